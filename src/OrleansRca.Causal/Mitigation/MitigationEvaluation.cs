using OrleansRca.Causal.RootCause;
using OrleansRca.Causal.Synthetic;

namespace OrleansRca.Causal.Mitigation;

/// <summary>RootCLAM's published mitigation figures (table 4): its detector, flip ratios of the detector's label and the true label, mean action norm.</summary>
public sealed record PublishedMitigation(string Detector, double DetectorFlip, double LabelFlip, double ActionNorm);

/// <summary>
/// A reference, not a method: the injected push undone on the same rows (actions of minus the mean shift on every truly
/// shifted node), scored like the mitigator's actions. It shows what restoring the true root causes achieves.
/// </summary>
public sealed record UndoShiftReference(double DetectorFlip, double LabelFlip, double MeanNorm);

/// <summary>One evaluated setting.</summary>
/// <param name="Detected">Anomalous rows the detector flags: the rows mitigated and counted.</param>
/// <param name="DetectorFlip">Share of detected rows whose true counterfactual (the true SCM re-simulated with the row's noise and the actions) the detector scores normal.</param>
/// <param name="LabelFlip">Share of detected rows whose true counterfactual has a normal ground-truth label.</param>
/// <param name="MeanNorm">Mean ||theta / sd|| over the rows whose label flipped (RootCLAM's convention).</param>
/// <param name="MeanNormDetector">Mean ||theta / sd|| over the rows whose true counterfactual the detector scores normal.</param>
/// <param name="Statuses">Rows per mitigation status.</param>
/// <param name="ActOn">Which nodes the actions could touch.</param>
/// <param name="LabelReachable">Share of detected rows whose true label some action on the candidates turns normal
/// (<see cref="MitigationEvaluation.LabelReachable"/>): no method's label flips can exceed it, up to the grid's resolution.</param>
public sealed record MitigationScore(string Dataset, string Mechanisms, int Seed, DetectorKind Detector, double Alpha, ActionScope ActOn, int Anomalies, int Detected,
    double DetectorFlip, double LabelFlip, double MeanNorm, double MeanNormDetector, double ModelDetectorFlip, IReadOnlyDictionary<MitigationStatus, int> Statuses,
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
    /// </summary>
    public static IReadOnlyList<MitigationScore> Run(string dataset, bool given, int normalRows, int anomalyRows, int seed,
        IReadOnlyList<DetectorKind> detectors, IReadOnlyList<double> alphas, double pi, int? components = null, IProgress<double>? progress = null,
        IReadOnlyList<ActionScope>? scopes = null)
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
            var mitigator = Mitigator.Train(fitted, normal.Data, new MitigationOptions { Detector = detector, Alpha = alpha, Pi = pi, Components = components, ActOn = scope, DetectorNodes = scm.DetectorNodes });
            var result = mitigator.Mitigate(anomalies.Data, rootCauses);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            Parallel.ForEach(result.Rows.Where(row => row.ScoreBefore > result.Threshold), row =>
                reachable.GetOrAdd(row.Row, r => LabelReachable(scm, anomalies.NoiseRow(r), cut)));
            int detected = 0, detectorFlips = 0, labelFlips = 0, modelFlips = 0;
            var norms = new List<double>();
            var detectorNorms = new List<double>();
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
                var undoCost = 0.0;
                foreach (var node in anomalies.RootCauses(row.Row))
                {
                    var v = g.IndexOf(node);
                    actions[v] = -scm.MeanShift(scm.Graph.IndexOf(node));
                    undoCost += Math.Pow(actions[v] / mitigator.CostScale[v], 2);
                }
                scm.Simulate(anomalies.NoiseRow(row.Row), x, actions);
                undoNorms.Add(Math.Sqrt(undoCost));
                if (mitigator.Detector.Score(x) <= result.Threshold) undoDetectorFlips++;
                if (scm.LabelIsNormal(scm.Label(x), cut)) undoLabelFlips++;
                if (row.Flipped) modelFlips++;
                Array.Clear(actions);
                foreach (var (node, theta) in row.Actions) actions[g.IndexOf(node)] = theta;
                scm.Simulate(anomalies.NoiseRow(row.Row), x, actions);
                if (mitigator.Detector.Score(x) <= result.Threshold) { detectorFlips++; detectorNorms.Add(row.Cost); }
                if (scm.LabelIsNormal(scm.Label(x), cut)) { labelFlips++; norms.Add(row.Cost); }
            }
            var statuses = result.Rows.GroupBy(r => r.Status).ToDictionary(grp => grp.Key, grp => grp.Count());
            scores.Add(new MitigationScore(dataset, given ? "given" : "fitted", seed, detector, alpha, scope, anomalyRows, detected,
                Ratio(detectorFlips, detected), Ratio(labelFlips, detected), norms.Count == 0 ? double.NaN : norms.Average(), detectorNorms.Count == 0 ? double.NaN : detectorNorms.Average(),
                Ratio(modelFlips, detected), statuses, elapsed / Math.Max(1, anomalyRows), Published(dataset, detector),
                new UndoShiftReference(Ratio(undoDetectorFlips, detected), Ratio(undoLabelFlips, detected), undoNorms.Count == 0 ? double.NaN : undoNorms.Average()),
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
}
