using OrleansRca.Causal.RootCause;
using OrleansRca.Causal.Synthetic;

namespace OrleansRca.Causal.Mitigation;

/// <summary>RootCLAM's published mitigation figures (table 4): its detector, flip ratios of the detector's label and the true label, mean action norm.</summary>
public sealed record PublishedMitigation(string Detector, double DetectorFlip, double LabelFlip, double ActionNorm);

/// <summary>
/// A reference, not a method: the injected push undone on the same rows (actions of minus the mean shift on every truly
/// shifted node), scored like the mitigator's actions. It shows what restoring the true root causes achieves.
/// <paramref name="MeanNorm"/> is ||theta|| in the nodes' own units, as <see cref="MitigationScore.MeanNorm"/>.
/// </summary>
public sealed record UndoShiftReference(double DetectorFlip, double LabelFlip, double MeanNorm);

/// <summary>One evaluated setting.</summary>
/// <param name="Detected">Anomalous rows the detector flags: the rows mitigated and counted.</param>
/// <param name="DetectorFlip">Share of detected rows whose true counterfactual (the true SCM re-simulated with the row's noise and the actions) the detector scores normal.</param>
/// <param name="LabelFlip">Share of detected rows whose true counterfactual has a normal ground-truth label.</param>
/// <param name="MeanNorm">Mean ||theta||_2 in the nodes' own units over the rows whose label flipped: what RootCLAM reports
/// (its ||c * theta|| with theta on standardised features and c each feature's standard deviation, i.e. the action in
/// the feature's units; its code's <c>change_value_real</c>).</param>
/// <param name="MeanNormDetector">The same over the rows whose true counterfactual the detector scores normal.</param>
/// <param name="MeanCost">Mean cost ||theta / s|| (the solve's objective) over the rows whose label flipped.</param>
/// <param name="Statuses">Rows per mitigation status.</param>
/// <param name="ActOn">Which nodes the actions could touch.</param>
/// <param name="LabelReachable">Share of detected rows whose true label some action on the candidates turns normal
/// (<see cref="MitigationEvaluation.LabelReachable"/>): no method's label flips can exceed it, up to the grid's resolution.</param>
public sealed record MitigationScore(string Dataset, string Mechanisms, int Seed, DetectorKind Detector, double Alpha, ActionScope ActOn, int Anomalies, int Detected,
    double DetectorFlip, double LabelFlip, double MeanNorm, double MeanNormDetector, double MeanCost, double ModelDetectorFlip, IReadOnlyDictionary<MitigationStatus, int> Statuses,
    double MillisecondsPerRow, PublishedMitigation? Published, UndoShiftReference UndoShift, double LabelReachable);

/// <summary>
/// RootCLAM's mitigation protocol (<c>shared/spec/rootclam-datasets.md</c>): fit on seeded normal rows, detect, localize
/// and mitigate seeded anomalies, then apply the actions to the true SCM with each row's own noise (as the paper does
/// with "the ground-truth structural equations") and count detector and label flips.
/// </summary>
public static class MitigationEvaluation
{
    /// <summary>The protocol's sizes: normal rows to fit on, anomalies to mitigate (types evenly mixed).</summary>
    public const int ProtocolNormalRows = 10_000, ProtocolAnomalies = 1_000;

    /// <summary>Our detectors beside RootCLAM's: pca is the linear autoencoder, mahalanobis the linear Deep SVDD.</summary>
    public static PublishedMitigation? Published(string dataset, DetectorKind detector) => (dataset, detector) switch
    {
        ("loan", DetectorKind.Pca) => new("AE", 0.891, 0.839, 5.185),
        ("loan", DetectorKind.Mahalanobis) => new("Deep SVDD", 0.988, 0.963, 5.862),
        ("adult", DetectorKind.Pca) => new("AE", 0.960, 1.000, 14.504),
        ("adult", DetectorKind.Mahalanobis) => new("Deep SVDD", 1.000, 1.000, 29.274),
        _ => null,
    };

    public static RootClamScm Scm(string dataset) => dataset switch
    {
        "loan" => new LoanScm(),
        "adult" => new AdultScm(),
        _ => throw new InputException($"unknown dataset '{dataset}'; use loan or adult"),
    };

    /// <summary>
    /// Evaluates every detector x alpha on one dataset. <paramref name="given"/> uses the true mechanisms where the
    /// model file can state them (Loan); otherwise every mechanism is fitted on the normal rows. <paramref name="progress"/>
    /// hears the share of settings done after each detector x scope x alpha. <paramref name="scopes"/>: the root causes only by default.
    /// <paramref name="costScale"/>: the solve's per-node s in ||theta / s|| (null: each node's normal standard deviation;
    /// 1 for every node minimises the norm RootCLAM reports and trains on).
    /// </summary>
    public static IReadOnlyList<MitigationScore> Run(string dataset, bool given, int normalRows, int anomalyRows, int seed,
        IReadOnlyList<DetectorKind> detectors, IReadOnlyList<double> alphas, double pi, int? components = null, IProgress<double>? progress = null,
        IReadOnlyList<ActionScope>? scopes = null, IReadOnlyDictionary<string, double>? costScale = null)
    {
        var scm = Scm(dataset);
        if (given && scm is not LoanScm) throw new InputException($"the true mechanisms of {dataset} cannot be stated in a model file (threshold rules); evaluate with fitted mechanisms");
        var normal = scm.Generate(normalRows, 0, seed);
        var anomalies = scm.Generate(0, anomalyRows, seed + 1);
        CausalModel model = scm switch
        {
            LoanScm loan => given ? LoanScm.Model() : loan.Skeleton(),
            AdultScm adult => adult.Skeleton(),
            _ => throw new InvalidOperationException(),
        };
        var data = LocalizationData.Create(model, normal.Data, anomalies.Data, MissingPolicy.Error);
        var fitted = RootCauseModel.Fit(model, normal.Data);
        var localized = Localizer.Localize(fitted, data, new LocalizeOptions { Pi = pi }).Rows;
        var g = fitted.Model.Graph;
        var rootCauses = localized.Select(r => (IReadOnlyList<int>)r.RootCauses.Select(g.IndexOf).ToArray()).ToList();
        var cut = scm.LabelCut;
        // Per anomalous row, computed once when some detector first flags it (the grid search is the evaluation's costliest part).
        var reachable = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        var scores = new List<MitigationScore>();
        scopes ??= [ActionScope.RootCauses];
        foreach (var (detector, scope, alpha) in from d in detectors from s in scopes from a in alphas select (d, s, a))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var mitigator = Mitigator.Train(fitted, normal.Data, new MitigationOptions { Detector = detector, Alpha = alpha, Pi = pi, Components = components, ActOn = scope, DetectorNodes = scm.DetectorNodes, CostScale = costScale });
            var result = mitigator.Mitigate(anomalies.Data, rootCauses);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            Parallel.ForEach(result.Rows.Where(row => row.ScoreBefore > result.Threshold), row =>
                reachable.GetOrAdd(row.Row, r => LabelReachable(scm, anomalies.NoiseRow(r), cut)));
            int detected = 0, detectorFlips = 0, labelFlips = 0, modelFlips = 0;
            var norms = new List<double>();
            var detectorNorms = new List<double>();
            var costs = new List<double>();
            int undoDetectorFlips = 0, undoLabelFlips = 0, labelReachable = 0;
            var undoNorms = new List<double>();
            var x = new double[g.Count];
            var actions = new double[g.Count];
            foreach (var row in result.Rows)
            {
                if (row.ScoreBefore <= result.Threshold) continue;
                detected++;
                if (reachable[row.Row]) labelReachable++;
                // The reference on the same row: every truly shifted node pushed back by its mean shift.
                Array.Clear(actions);
                foreach (var node in anomalies.RootCauses(row.Row))
                    actions[g.IndexOf(node)] = -scm.MeanShift(scm.Graph.IndexOf(node));
                scm.Simulate(anomalies.NoiseRow(row.Row), x, actions);
                undoNorms.Add(TensorPrimitives.Norm<double>(actions));
                if (mitigator.Detector.Score(x) <= result.Threshold) undoDetectorFlips++;
                if (scm.LabelIsNormal(scm.Label(x), cut)) undoLabelFlips++;
                if (row.Flipped) modelFlips++;
                Array.Clear(actions);
                foreach (var (node, theta) in row.Actions) actions[g.IndexOf(node)] = theta;
                scm.Simulate(anomalies.NoiseRow(row.Row), x, actions);
                var norm = TensorPrimitives.Norm<double>(actions);
                if (mitigator.Detector.Score(x) <= result.Threshold) { detectorFlips++; detectorNorms.Add(norm); }
                if (scm.LabelIsNormal(scm.Label(x), cut)) { labelFlips++; norms.Add(norm); costs.Add(row.Cost); }
            }
            var statuses = result.Rows.GroupBy(r => r.Status).ToDictionary(grp => grp.Key, grp => grp.Count());
            scores.Add(new MitigationScore(dataset, given ? "given" : "fitted", seed, detector, alpha, scope, anomalyRows, detected,
                Ratio(detectorFlips, detected), Ratio(labelFlips, detected), Mean(norms), Mean(detectorNorms), Mean(costs), Ratio(modelFlips, detected), statuses, elapsed / Math.Max(1, anomalyRows), Published(dataset, detector),
                new UndoShiftReference(Ratio(undoDetectorFlips, detected), Ratio(undoLabelFlips, detected), Mean(undoNorms)),
                Ratio(labelReachable, detected)));
            progress?.Report((double)scores.Count / (detectors.Count * scopes.Count * alphas.Count));
        }
        return scores;
    }

    /// <summary>
    /// Whether some action on the candidates, a point of <see cref="RootClamScm.ActionGrid"/> (every combination), turns
    /// the true label of the row with noise <paramref name="noise"/> normal: a bound on what any mitigation can achieve on
    /// that row, whatever its detector or model, up to the grid's resolution.
    /// </summary>
    public static bool LabelReachable(RootClamScm scm, double[] noise, double cut)
    {
        var grid = scm.ActionGrid;
        var nodes = scm.Candidates.Select(scm.Graph.IndexOf).ToArray();
        var at = new int[grid.Count];
        var actions = new double[scm.Graph.Count];
        var x = new double[scm.Graph.Count];
        while (true)
        {
            for (var k = 0; k < nodes.Length; k++) actions[nodes[k]] = grid[k][at[k]];
            scm.Simulate(noise, x, actions);
            if (scm.LabelIsNormal(scm.Label(x), cut)) return true;
            // Next combination, the first candidate fastest.
            var d = 0;
            while (d < at.Length && ++at[d] == grid[d].Length) at[d++] = 0;
            if (d == at.Length) return false;
        }
    }

    private static double Ratio(int k, int n) => n == 0 ? double.NaN : (double)k / n;

    private static double Mean(List<double> values) => values.Count == 0 ? double.NaN : values.Average();
}
