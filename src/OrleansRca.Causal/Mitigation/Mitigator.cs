using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Statistics;
using OrleansRca.Causal.Counterfactuals;
using OrleansRca.Causal.RootCause;

namespace OrleansRca.Causal.Mitigation;

/// <summary>Which nodes actions may touch.</summary>
public enum ActionScope
{
    /// <summary>The row's flagged root causes that are controllable (RootCLAM's anomaly mitigation).</summary>
    RootCauses,
    /// <summary>Every controllable node (algorithmic recourse on all actionable features, as RootCLAM's published runs act).</summary>
    Controllable,
}

public sealed record MitigationOptions
{
    public DetectorKind Detector { get; init; } = DetectorKind.Mahalanobis;
    /// <summary>The counterfactual must score at or below Alpha x threshold (RootCLAM's alpha); &gt; 0.</summary>
    public double Alpha { get; init; } = 1;
    /// <summary>Per-node cost scale s: the cost of actions theta is ||theta / s||_2. Nodes left out use their normal standard deviation.</summary>
    public IReadOnlyDictionary<string, double>? CostScale { get; init; }
    /// <summary>Localization's flag: a node is a root cause when its noise CDF is below pi or above 1 - pi.</summary>
    public double Pi { get; init; } = new LocalizeOptions().Pi;
    public double Quantile { get; init; } = AnomalyDetector.DefaultQuantile;
    /// <summary>PCA bottleneck width or mixture size; null chooses (explained variance, BIC).</summary>
    public int? Components { get; init; }
    /// <summary>Which nodes actions may touch (default: the row's flagged, controllable root causes).</summary>
    public ActionScope ActOn { get; init; } = ActionScope.RootCauses;
    /// <summary>The nodes the detector is trained on and scores (null: every node of the model); the others may take any value.</summary>
    public IReadOnlyList<string>? DetectorNodes { get; init; }
    /// <summary>Linearisation rounds for non-linear mechanisms (linear ones need one).</summary>
    public int MaxIterations { get; init; } = 50;

    public static ActionScope ParseScope(string? text) => text switch
    {
        null or "root-causes" => ActionScope.RootCauses,
        "controllable" => ActionScope.Controllable,
        _ => throw new InputException($"act-on: unknown scope '{text}'; use root-causes or controllable"),
    };

    public static string ToText(ActionScope scope) => scope == ActionScope.Controllable ? "controllable" : "root-causes";

    /// <summary>The cost scales of <c>unit</c>: 1 for every node, so the cost is ||theta|| in the nodes' own units.</summary>
    public static IReadOnlyDictionary<string, double> UnitCost(IEnumerable<string> nodes) => nodes.ToDictionary(n => n, _ => 1.0);

    public void Validate()
    {
        if (!(Alpha > 0) || !double.IsFinite(Alpha)) throw new InputException($"alpha must be a positive number, not {Alpha}");
        if (MaxIterations < 1) throw new InputException($"the iteration limit must be positive, not {MaxIterations}");
        foreach (var (node, s) in CostScale ?? new Dictionary<string, double>())
            if (!(s > 0) || !double.IsFinite(s)) throw new InputException($"the cost scale of '{node}' must be a positive number, not {s}");
    }
}

/// <summary>
/// Solved: the counterfactual meets alpha x threshold (flipped when that is at or below the threshold); with coded nodes,
/// every counterfactual the row's codes allow does (<see cref="CodeIntervals"/>). Deepest: alpha x threshold is out of
/// reach but the threshold is not; the actions give the lowest reachable score (RootCLAM's eq. 3, max(g − alpha·tau, 0) +
/// lambda·cost, in the limit of a small lambda); for a row whose interval middles meet the target but not every code it
/// allows, the lowest worst case, which may stay above the threshold while the middles' counterfactual flips.
/// Unreachable: even the threshold is out of reach.
/// </summary>
public enum MitigationStatus { Solved, Normal, NoControllableRootCause, Unreachable, NotConverged, Dropped, Deepest }

/// <param name="RootCauses">The flagged nodes of the row.</param>
/// <param name="Actions">Soft interventions theta per acted-on node (flagged and controllable).</param>
/// <param name="Counterfactual">Node-indexed values of the row after the actions, every other node keeping its abducted noise.</param>
/// <param name="Cost">||theta / s||_2.</param>
/// <param name="LowestScore">Unreachable and deepest rows: the lowest score the acted-on nodes can reach; not converged rows: the lowest the searches found (NaN otherwise).</param>
public sealed record MitigationRow(int Row, IReadOnlyList<string> RootCauses, IReadOnlyDictionary<string, double> Actions,
    IReadOnlyList<double> Counterfactual, double ScoreBefore, double ScoreAfter, double Threshold, bool Flipped, double Cost,
    MitigationStatus Status, double LowestScore, string? Reason);

/// <param name="ActOn">Which nodes actions could touch (<see cref="MitigationOptions.ToText"/>).</param>
public sealed record MitigationResult(string Detector, double Threshold, double Alpha, string ActOn, IReadOnlyList<string> Nodes, IReadOnlyList<MitigationRow> Rows);

/// <summary>
/// Anomaly mitigation (RootCLAM eq. 1-2): per anomalous row, the actions theta on its flagged, controllable
/// nodes with the least cost ||theta / s|| whose counterfactual scores at or below alpha x threshold. Actions are
/// soft interventions x_j = f_j(pa_j) + u_j + theta_j applied in topological order; every node keeps its abducted
/// noise, so the counterfactual is a propagation of (u + theta). The detector is a quadratic form, so with the
/// counterfactual linearised in theta each step is an exact min-norm point of an ellipsoid
/// (<see cref="MinNormEllipsoid"/>): for linear mechanisms one step is the exact optimum; otherwise steps repeat
/// from the new point (sequential linearisation, a Gauss-Newton scheme for the constraint) until the actions settle
/// and the propagated counterfactual meets the target. Rows are solved together: one propagation per round plus
/// one per acted-on node gives every row's Jacobian.
/// </summary>
public sealed class Mitigator
{
    /// <summary>Shrinks the target so that a solution on the boundary still scores at or below it after rounding.</summary>
    private const double BoundaryMargin = 1e-12;

    public CausalModel Model { get; }
    public AnomalyDetector Detector { get; }
    public MitigationOptions Options { get; }
    /// <summary>Per node: the cost scale s.</summary>
    public IReadOnlyList<double> CostScale { get; }
    private readonly double[] _sd;
    private readonly bool _linear;

    private Mitigator(CausalModel model, AnomalyDetector detector, MitigationOptions options, double[] costScale, double[] sd)
    {
        Model = model;
        Detector = detector;
        Options = options;
        CostScale = costScale;
        _sd = sd;
        _linear = Enumerable.Range(0, model.Count).All(v => model.Mechanisms[v] switch
        {
            LinearMechanism => true,
            BasisMechanism b => b.Spec.Family == "linear",
            null => model.Graph.IsRoot(v),
            _ => false,
        });
    }

    /// <summary>
    /// Trains the detector on <paramref name="normal"/> (no gaps) for a model whose mechanisms are given or fitted
    /// by localization (<see cref="RootCauseModel"/>): one fit serves both root causes and counterfactuals.
    /// </summary>
    public static Mitigator Train(RootCauseModel fitted, DataTable normal, MitigationOptions options)
    {
        options.Validate();
        var model = fitted.Model;
        var names = model.Graph.Names;
        foreach (var name in names)
            if (!normal.Contains(name)) throw new InputException($"normal data has no column '{name}'");
        foreach (var (node, _) in options.CostScale ?? new Dictionary<string, double>())
            if (!model.Graph.TryGetIndex(node, out _)) throw new InputException($"a cost scale is given for unknown node '{node}'");
        foreach (var node in options.DetectorNodes ?? [])
            if (!model.Graph.TryGetIndex(node, out _)) throw new InputException($"the detector is to watch unknown node '{node}'");
        if (options.DetectorNodes is { Count: 0 }) throw new InputException("the detector must watch at least one node");
        var watched = options.DetectorNodes is { } chosen ? names.Where(chosen.Contains).ToArray() : names;
        var detector = AnomalyDetector.Train(options.Detector, normal, watched, options.Quantile, options.Components).Embed(names);
        var sd = names.Select(n => normal[n].StandardDeviation()).ToArray();
        var cost = names.Select((n, v) => options.CostScale is { } c && c.TryGetValue(n, out var s) ? s : sd[v]).ToArray();
        return new Mitigator(model, detector, options, cost, sd);
    }

    /// <summary>
    /// The whole analysis: fit the model on the normal rows (localization's fitting), localize every anomalous row
    /// at <see cref="MitigationOptions.Pi"/>, train the detector, and mitigate each row on its flagged, controllable nodes.
    /// Rows <c>--missing drop</c> left out come back with status <see cref="MitigationStatus.Dropped"/>.
    /// </summary>
    public static MitigationResult Run(LocalizationData data, MitigationOptions options)
    {
        var prepared = Prepare(data, options);
        return prepared.Assemble(prepared.Mitigate(0, data.Anomalies.Rows).Rows);
    }

    /// <summary>Everything but the per-row solves: the fit, each row's root causes and the detector (a cluster builds it once per silo).</summary>
    public static MitigationPlan Prepare(LocalizationData data, MitigationOptions options)
    {
        options.Validate();
        var localize = new LocalizeOptions { Pi = options.Pi };
        localize.Validate(data.Model);
        var fitted = RootCauseModel.Fit(data.Model, data.Normal);
        var mitigator = Train(fitted, data.Normal, options);
        var localized = Localizer.Localize(fitted, data, localize).Rows.ToDictionary(r => r.Row);
        var g = fitted.Model.Graph;
        var rootCauses = data.RowIndex.Select(r => (IReadOnlyList<int>)localized[r].RootCauses.Select(g.IndexOf).ToArray()).ToList();
        return new MitigationPlan(data, mitigator, rootCauses);
    }

    /// <summary>
    /// Mitigates every row of <paramref name="anomalies"/> (no gaps), acting on the controllable nodes among the row's
    /// <paramref name="rootCauses"/> (node indices, e.g. localization's flags).
    /// </summary>
    public MitigationResult Mitigate(DataTable anomalies, IReadOnlyList<IReadOnlyList<int>> rootCauses)
    {
        var g = Model.Graph;
        var n = g.Count;
        foreach (var name in g.Names)
            if (!anomalies.Contains(name)) throw new InputException($"anomalies have no column '{name}'");
        var rows = anomalies.Rows;
        if (rootCauses.Count != rows)
            throw new ArgumentException($"{rootCauses.Count} root-cause lists for {rows} rows");
        var data = g.Names.Select(name => anomalies[name]).ToArray();
        var noise = Propagator.Abduct(Model, data);
        var threshold = Detector.Threshold;
        var target = Options.Alpha * threshold;
        var targetQuadratic = target * target * (1 - BoundaryMargin);

        var flagged = new int[rows][];
        var acted = new int[rows][];
        var status = new MitigationStatus?[rows];
        var before = new double[rows];
        var row = new double[n];
        for (var r = 0; r < rows; r++)
        {
            for (var v = 0; v < n; v++) row[v] = data[v][r];
            before[r] = Detector.Score(row);
            flagged[r] = rootCauses[r].OrderBy(v => g.TopologicalRank[v]).ToArray();
            acted[r] = Acted(flagged[r]);
            if (before[r] <= threshold) status[r] = MitigationStatus.Normal;
            else if (acted[r].Length == 0) status[r] = MitigationStatus.NoControllableRootCause;
        }

        var theta = new double[rows][];
        for (var r = 0; r < rows; r++) theta[r] = new double[acted[r].Length];
        var lowest = new double[rows];
        var lastStep = new double[rows];
        Array.Fill(lastStep, double.PositiveInfinity);
        var best = new double[rows][];
        var bestCost = new double[rows];
        Array.Fill(bestCost, double.PositiveInfinity);
        var unreachable = new bool[rows];
        double[][] current = data;

        for (var iteration = 0; ; iteration++)
        {
            var pending = Enumerable.Range(0, rows).Where(r => status[r] is null).ToArray();
            if (iteration > 0)
            {
                current = Counterfactuals(noise, acted, theta, null, 0);
                foreach (var r in pending)
                {
                    for (var v = 0; v < n; v++) row[v] = current[v][r];
                    var feasible = Detector.Quadratic(row) <= target * target;
                    var cost = Cost(acted[r], theta[r]);
                    if (feasible && cost < bestCost[r]) (bestCost[r], best[r]) = (cost, (double[])theta[r].Clone());
                    var settled = _linear || lastStep[r] <= 1e-9 * (1 + Norm(theta[r]));
                    if (feasible && settled) status[r] = MitigationStatus.Solved;
                    // Out of reach: the linearised solve went to the lowest reachable score, which may still be normal.
                    else if (settled && unreachable[r])
                        status[r] = lowest[r] <= threshold * threshold ? MitigationStatus.Deepest : MitigationStatus.Unreachable;
                    else if (iteration == Options.MaxIterations)
                        status[r] = best[r] is null ? MitigationStatus.NotConverged : MitigationStatus.Solved;
                }
                pending = pending.Where(r => status[r] is null).ToArray();
            }
            if (pending.Length == 0) break;

            // Jacobian columns: one propagation per acted-on node, each shifting that node in every row that acts on it.
            var nodes = pending.SelectMany(r => acted[r]).Distinct().ToArray();
            var step = nodes.ToDictionary(v => v, v => _linear ? CostScale[v] : 1e-6 * _sd[v]);
            var shifted = nodes.ToDictionary(v => v, v => Counterfactuals(noise, acted, theta, v, step[v]));
            foreach (var r in pending)
            {
                var k = acted[r].Length;
                var x = Vector<double>.Build.Dense(n, i => current[i][r]);
                var b = Matrix<double>.Build.Dense(n, k);
                for (var j = 0; j < k; j++)
                {
                    var v = acted[r][j];
                    for (var i = 0; i < n; i++) b[i, j] = (shifted[v][i][r] - current[i][r]) / step[v] * CostScale[v];
                }
                // x(theta') ~ x(theta) + B (phi - theta / s): solve for phi = theta' / s, in the part (ellipsoid) it is cheapest to reach.
                var phiNow = Vector<double>.Build.Dense(k, j => theta[r][j] / CostScale[acted[r][j]]);
                var start = x - b * phiNow;
                MinNormEllipsoid.Result? solution = null;
                foreach (var part in Detector.Parts)
                {
                    var s = MinNormEllipsoid.Solve(start - part.Center, b, part.Form, targetQuadratic);
                    if (solution is not { } sofar || Better(s, sofar)) solution = s;
                }
                lowest[r] = solution!.Value.LowestQuadratic;
                unreachable[r] = solution.Value.Outcome == MinNormEllipsoid.Outcome.Unreachable;
                var next = solution.Value.Phi.Select((p, j) => p * CostScale[acted[r][j]]).ToArray();
                lastStep[r] = Math.Sqrt(next.Select((x, j) => (x - theta[r][j]) * (x - theta[r][j])).Sum());
                theta[r] = next;
            }
        }

        // Linearisation can cycle across kinks of fitted mechanisms: those rows get the penalty search, and where the
        // target is out of its reach too, the deepest point a derivative-free search finds (eq. 3's small-lambda limit).
        // Its verdict that even the threshold is out of reach holds only locally unless every mechanism is linear (a
        // coded node's steps have no slope at all), so the derivative-free search checks that too.
        for (var r = 0; r < rows; r++)
        {
            var notConverged = status[r] == MitigationStatus.NotConverged;
            var recheck = status[r] == MitigationStatus.Unreachable && !_linear;
            if (!notConverged && !recheck) continue;
            if (notConverged && PenaltySearch(noise, r, acted[r], theta[r], target) is { } found)
            {
                (status[r], best[r]) = (MitigationStatus.Solved, found);
                continue;
            }
            // A not-converged row's lowest score is the searches'; an unreachable one keeps the linearisation's unless beaten.
            var (deepest, score) = DeepestSearch(noise, r, acted[r], theta[r]);
            if (!notConverged && score * score >= lowest[r]) continue;
            lowest[r] = score * score;
            if (score <= threshold) (status[r], theta[r]) = (MitigationStatus.Deepest, deepest);
        }

        // A coded node's counterfactual is known only up to its code's interval (CodeIntervals), and solved promises the
        // target for every code the row allows. A row already at its deepest keeps the middles' deepest point (the worst
        // case, a step function far out, gave no better actions on Adult).
        if (CodeIntervals.Create(Model, data, noise) is { } codes)
            for (var r = 0; r < rows; r++)
            {
                if (status[r] != MitigationStatus.Solved || HoldForEveryCode(codes, noise, r, acted[r], best[r] ?? theta[r], target) is not { } held) continue;
                status[r] = held.Status;
                if (held.Status == MitigationStatus.Solved) best[r] = held.Theta;
                else (theta[r], lowest[r]) = (held.Theta, held.LowestQuadratic);
            }

        // Rows that flipped only at an earlier round keep that round's (cheapest feasible) actions.
        var final = Enumerable.Range(0, rows).Select(r => status[r] == MitigationStatus.Solved && best[r] is { } b0 ? b0
            : status[r] is MitigationStatus.Solved or MitigationStatus.Deepest ? theta[r] : new double[acted[r].Length]).ToArray();
        var counterfactual = Counterfactuals(noise, acted, final, null, 0);
        var results = new MitigationRow[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var v = 0; v < n; v++) row[v] = counterfactual[v][r];
            var after = Detector.Score(row);
            var actions = new Dictionary<string, double>();
            var acting = status[r] is MitigationStatus.Solved or MitigationStatus.Deepest;
            if (acting)
                for (var j = 0; j < acted[r].Length; j++) actions[g.Names[acted[r][j]]] = final[r][j];
            var flipped = acting && after <= threshold;
            var lowestScore = status[r] is MitigationStatus.Unreachable or MitigationStatus.Deepest or MitigationStatus.NotConverged ? Math.Sqrt(Math.Max(0, lowest[r])) : double.NaN;
            var causes = flagged[r].Select(v => g.Names[v]).ToArray();
            results[r] = new MitigationRow(r, causes, actions, (double[])row.Clone(), before[r], after, threshold, flipped,
                Cost(acted[r], final[r]), status[r]!.Value, lowestScore, Reason(status[r]!.Value, flipped, causes, lowestScore));
        }
        return new MitigationResult(AnomalyDetector.ToText(Detector.Kind), threshold, Options.Alpha, MitigationOptions.ToText(Options.ActOn), g.Names, results);
    }

    /// <summary>
    /// Row <paramref name="r"/>'s solved actions <paramref name="chosen"/> made to hold for every code it allows: null when
    /// they already do; else the least multiple of them that does (<see cref="AlongRay"/>; first, because a free search
    /// finds cheaper points on the fit's jumps, which the data need not have), or the penalty search's point against the
    /// worst case, both solved; else the deepest search's lowest worst case, if it still flips the
    /// interval middles' counterfactual, or <paramref name="chosen"/> with its worst case, both deepest.
    /// </summary>
    private (MitigationStatus Status, double[] Theta, double LowestQuadratic)? HoldForEveryCode(CodeIntervals codes, double[][] noise, int r,
        int[] acted, double[] chosen, double target)
    {
        var worst = WorstRowScore(codes, r, acted);
        var worstNow = worst(Scaled(acted, chosen));
        if (worstNow <= target) return null;
        if ((AlongRay(worst, acted, chosen, target) ?? PenaltySearch(worst, acted, chosen, target, CodedTolerance)) is { } found)
            return (MitigationStatus.Solved, found, double.NaN);
        var (deepest, lowestWorst) = DeepestSearch(worst, acted, chosen, CodedTolerance);
        if (lowestWorst <= target) return (MitigationStatus.Solved, deepest, double.NaN);
        return RowScore(noise, r, acted)(Scaled(acted, deepest)) <= Detector.Threshold
            ? (MitigationStatus.Deepest, deepest, lowestWorst * lowestWorst)
            : (MitigationStatus.Deepest, chosen, worstNow * worstNow);
    }

    /// <summary>Exact-penalty weights tried in turn: above the constraint's multiplier the penalty's minimum is the constrained one.</summary>
    private static readonly double[] PenaltyWeights = [10, 100, 1000];

    /// <summary>Where the searches stop: a relative change of the objective this small (the deepest point of linear mechanisms to the digit).</summary>
    private const double ExactTolerance = 1e-12;

    /// <summary>
    /// The same against the worst case over codes, which is piecewise in the actions (a step wherever some code changes):
    /// a simplex spends thousands of evaluations there for digits no threshold comparison uses.
    /// </summary>
    private const double CodedTolerance = 1e-8;

    /// <summary>Initial simplex edges (in cost-scaled units) of the successive Nelder-Mead restarts.</summary>
    private static readonly double[] SimplexSizes = [0.5, 0.05, 0.005];

    /// <summary>
    /// The robust fallback: minimises ||phi|| + rho max(0, g(x(s phi)) - target) with MathNet's Nelder-Mead simplex
    /// (derivative-free, so kinks do not matter), from the linearisation's last point, propagating the row itself
    /// at every evaluation; the cheapest point found that meets the target, or null.
    /// </summary>
    internal double[]? PenaltySearch(double[][] noise, int r, int[] acted, double[] start, double target) =>
        PenaltySearch(RowScore(noise, r, acted), acted, start, target);

    private double[]? PenaltySearch(Func<Vector<double>, double> score, int[] acted, double[] start, double target, double tolerance = ExactTolerance)
    {
        var guess = Scaled(acted, start);
        foreach (var rho in PenaltyWeights)
        {
            guess = Simplex(phi => phi.L2Norm() + rho * Math.Max(0, score(phi) - target * (1 - BoundaryMargin)), guess, tolerance);
            if (score(guess) > target) continue;
            // The optimum lies on the boundary: pull the point in along its ray to where the target is just met.
            var reach = score(Vector<double>.Build.Dense(acted.Length)) > target ? LeastMultiple(score, guess, 0, 1, target, 60) : 0;
            return Unscaled(acted, guess * reach);
        }
        return null;
    }

    /// <summary>Weight of the cost beside the score in the deepest search: a tie-breaker, small enough not to stop the descent early.</summary>
    private const double DeepestCostWeight = 1e-6;

    /// <summary>
    /// The deepest point a derivative-free search finds when the target is out of reach: minimises the detector's score
    /// of the row's propagated counterfactual, the cost only breaking ties (Nelder-Mead, from the linearisation's last
    /// point and from no action); the actions and their score.
    /// </summary>
    internal (double[] Theta, double Score) DeepestSearch(double[][] noise, int r, int[] acted, double[] start) =>
        DeepestSearch(RowScore(noise, r, acted), acted, start, ExactTolerance);

    private (double[] Theta, double Score) DeepestSearch(Func<Vector<double>, double> score, int[] acted, double[] start, double tolerance)
    {
        var weight = DeepestCostWeight * Detector.Threshold;
        var best = (Phi: Vector<double>.Build.Dense(acted.Length), Score: double.PositiveInfinity);
        foreach (var from in new[] { Scaled(acted, start), Vector<double>.Build.Dense(acted.Length) })
        {
            var phi = Simplex(p => score(p) + weight * p.L2Norm(), from, tolerance);
            if (score(phi) is var s && s < best.Score) best = (phi, s);
        }
        return (Unscaled(acted, best.Phi), best.Score);
    }

    /// <summary>The detector's score of row <paramref name="r"/>'s counterfactual under cost-scaled actions phi = theta / s.</summary>
    private Func<Vector<double>, double> RowScore(double[][] noise, int r, int[] acted)
    {
        var x = new double[Model.Count];
        return InCostUnits(acted, theta =>
        {
            RowCounterfactual(noise, r, acted, theta, x);
            return Detector.Score(x);
        });
    }

    /// <summary>Farthest multiple of the actions tried on their ray.</summary>
    private const double RayReach = 4;

    /// <summary>
    /// The least multiple t ≥ 1 of the solution's actions (on a grid of 0.05, then bisected) at which
    /// <paramref name="score"/> meets the target, or null up to <see cref="RayReach"/>: the same direction, further.
    /// </summary>
    private double[]? AlongRay(Func<Vector<double>, double> score, int[] acted, double[] theta, double target)
    {
        var phi = Scaled(acted, theta);
        for (var t = 1.05; t <= RayReach + 1e-9; t += 0.05)
            if (score(phi * t) <= target) return Unscaled(acted, phi * LeastMultiple(score, phi, t - 0.05, t, target, 40));
        return null;
    }

    /// <summary>
    /// Bisects [<paramref name="lo"/>, <paramref name="hi"/>] (the target missed at lo, met at hi) for the least multiple of
    /// <paramref name="phi"/> whose score meets <paramref name="target"/>; the met end after the given halvings.
    /// </summary>
    private static double LeastMultiple(Func<Vector<double>, double> score, Vector<double> phi, double lo, double hi, double target, int halvings)
    {
        for (var it = 0; it < halvings; it++)
        {
            var mid = (lo + hi) / 2;
            if (score(phi * mid) <= target) hi = mid;
            else lo = mid;
        }
        return hi;
    }

    /// <summary>The highest score among row <paramref name="r"/>'s counterfactuals its codes allow (<see cref="CodeIntervals"/>), under phi = theta / s.</summary>
    private Func<Vector<double>, double> WorstRowScore(CodeIntervals codes, int r, int[] acted)
    {
        var x = new double[Model.Count];
        Func<double[], double> score = row => Detector.Score(row);
        return InCostUnits(acted, theta => codes.WorstScore(r, acted, theta, x, score));
    }

    /// <summary><paramref name="ofActions"/> as a function of phi = theta / s (one actions buffer, reused).</summary>
    private Func<Vector<double>, double> InCostUnits(int[] acted, Func<double[], double> ofActions)
    {
        var theta = new double[acted.Length];
        return phi =>
        {
            for (var j = 0; j < acted.Length; j++) theta[j] = phi[j] * CostScale[acted[j]];
            return ofActions(theta);
        };
    }

    private Vector<double> Scaled(int[] acted, double[] theta) => Vector<double>.Build.Dense(acted.Length, j => theta[j] / CostScale[acted[j]]);

    private double[] Unscaled(int[] acted, Vector<double> phi) => phi.Select((p, j) => p * CostScale[acted[j]]).ToArray();

    /// <summary>MathNet's Nelder-Mead with a shrinking simplex: restarts get past the kinks where a simplex stalls early.</summary>
    private static Vector<double> Simplex(Func<Vector<double>, double> objective, Vector<double> guess, double tolerance)
    {
        var function = MathNet.Numerics.Optimization.ObjectiveFunction.Value(objective);
        foreach (var size in SimplexSizes)
        {
            try
            {
                guess = MathNet.Numerics.Optimization.NelderMeadSimplex.Minimum(function, guess,
                    Vector<double>.Build.Dense(guess.Count, size), convergenceTolerance: tolerance, maximumIterations: 4000).MinimizingPoint;
            }
            catch (MathNet.Numerics.Optimization.MaximumIterationsException)
            {
                // Keep the previous guess; the next restart goes on from it.
            }
        }
        return guess;
    }

    /// <summary>One row's counterfactual: its abducted noise plus the actions, propagated node by node.</summary>
    internal void RowCounterfactual(double[][] noise, int r, int[] acted, ReadOnlySpan<double> theta, double[] x)
    {
        var g = Model.Graph;
        Span<double> parents = stackalloc double[g.Count];
        foreach (var v in g.TopologicalOrder)
        {
            var ps = g.Parents[v];
            for (var k = 0; k < ps.Length; k++) parents[k] = x[ps[k]];
            var value = Model.ApplyMechanism(v, parents[..ps.Length], noise[v][r]);
            var j = Array.IndexOf(acted, v);
            x[v] = j >= 0 ? value + theta[j] : value;
        }
    }

    /// <summary>The nodes actions may touch in a row with these flagged nodes (given in topological order, kept).</summary>
    private int[] Acted(IEnumerable<int> flagged) =>
        (Options.ActOn == ActionScope.Controllable ? Model.Graph.TopologicalOrder : flagged).Where(v => Model.Nodes[v].Controllable).ToArray();

    /// <summary>
    /// Why a row was not (or not fully) flipped, or how; null when it was flipped as asked. One wording for the core and the
    /// cluster. <paramref name="rootCauses"/> in topological order, as rows carry them.
    /// </summary>
    public string? Reason(MitigationStatus status, bool flipped, IReadOnlyList<string> rootCauses, double lowestScore)
    {
        var g = Model.Graph;
        var acted = Acted(rootCauses.Select(g.IndexOf)).Select(v => g.Names[v]).ToList();
        var target = Options.Alpha * Detector.Threshold;
        return status switch
        {
            MitigationStatus.Normal => "the detector already scores the row normal",
            MitigationStatus.NoControllableRootCause => Options.ActOn == ActionScope.Controllable
                ? "no node of the model is controllable"
                : rootCauses.Count == 0
                    ? "no root cause was flagged"
                    : $"no flagged node is controllable (flagged: {string.Join(", ", rootCauses)})",
            MitigationStatus.Unreachable => $"acting on {string.Join(", ", acted)} cannot bring the score below {target:G6} (lowest reachable {lowestScore:G6})",
            MitigationStatus.Deepest when flipped && lowestScore > Detector.Threshold =>
                $"acting on {string.Join(", ", acted)} cannot bring every counterfactual the row's codes allow below the threshold: "
                + $"the actions flip the one from the middle of each code's interval, but the worst of them scores {lowestScore:G6}",
            MitigationStatus.Deepest => $"acting on {string.Join(", ", acted)} cannot bring the score to alpha x threshold ({target:G6}); "
                + (flipped ? $"the actions give the lowest reachable score, {lowestScore:G6}, which is normal" : $"the lowest reachable score, {lowestScore:G6}, was not met by the propagated counterfactual"),
            MitigationStatus.NotConverged => $"no action met the target in {Options.MaxIterations} linearisation rounds nor in the derivative-free searches after them (lowest score found {lowestScore:G6})",
            MitigationStatus.Dropped => "the row has a gap and --missing drop left it out",
            _ => flipped ? null : $"alpha {Options.Alpha} puts the target above the threshold",
        };
    }

    /// <summary>A reachable part beats an unreachable one; among reachable parts the nearer, among unreachable the lower score.</summary>
    private static bool Better(MinNormEllipsoid.Result a, MinNormEllipsoid.Result b)
    {
        var aReach = a.Outcome != MinNormEllipsoid.Outcome.Unreachable;
        var bReach = b.Outcome != MinNormEllipsoid.Outcome.Unreachable;
        if (aReach != bReach) return aReach;
        return aReach ? a.Phi.L2Norm() < b.Phi.L2Norm() : a.LowestQuadratic < b.LowestQuadratic;
    }

    private double Cost(int[] nodes, double[] theta)
    {
        var sum = 0.0;
        for (var j = 0; j < nodes.Length; j++) sum += theta[j] / CostScale[nodes[j]] * (theta[j] / CostScale[nodes[j]]);
        return Math.Sqrt(sum);
    }

    private static double Norm(double[] x) => Math.Sqrt(x.Sum(v => v * v));

    /// <summary>Propagates every row's noise plus its actions (and <paramref name="extra"/> on node <paramref name="extraNode"/> where a row acts on it).</summary>
    private double[][] Counterfactuals(double[][] noise, int[][] acted, double[][] theta, int? extraNode, double extra)
    {
        var n = Model.Count;
        var rows = noise[0].Length;
        var shifted = new double[n][];
        for (var v = 0; v < n; v++) shifted[v] = noise[v];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < acted[r].Length; j++)
            {
                var v = acted[r][j];
                var delta = theta[r][j] + (v == extraNode ? extra : 0);
                if (delta == 0) continue;
                if (ReferenceEquals(shifted[v], noise[v])) shifted[v] = (double[])noise[v].Clone();
                shifted[v][r] += delta;
            }
        var values = new double[]?[n];
        Propagator.Propagate(Model, Model.Graph.TopologicalOrder, shifted, values, rows);
        return values!;
    }
}

/// <summary>A prepared mitigation: the data, the trained <see cref="Mitigator"/> and each kept row's root causes.</summary>
public sealed class MitigationPlan(LocalizationData data, Mitigator mitigator, IReadOnlyList<IReadOnlyList<int>> rootCauses)
{
    public LocalizationData Data { get; } = data;
    public Mitigator Mitigator { get; } = mitigator;
    public IReadOnlyList<IReadOnlyList<int>> RootCauses { get; } = rootCauses;

    /// <summary>Mitigates kept rows [start, start + count); rows carry their file index.</summary>
    public MitigationResult Mitigate(int start, int count)
    {
        var indices = Enumerable.Range(start, count).ToArray();
        var result = Mitigator.Mitigate(Data.Anomalies.SelectRows(indices), indices.Select(r => RootCauses[r]).ToList());
        return result with { Rows = result.Rows.Select(r => r with { Row = Data.RowIndex[start + r.Row] }).ToList() };
    }

    /// <summary>The result document's rows: the mitigated ones and the dropped ones, in file order.</summary>
    public MitigationResult Assemble(IEnumerable<MitigationRow> mitigated)
    {
        var rows = mitigated.ToList();
        foreach (var dropped in Data.DroppedRows)
            rows.Add(new MitigationRow(dropped, [], new Dictionary<string, double>(), [], double.NaN, double.NaN, Mitigator.Detector.Threshold, false, 0,
                MitigationStatus.Dropped, double.NaN, Mitigator.Reason(MitigationStatus.Dropped, false, [], double.NaN)));
        return new MitigationResult(AnomalyDetector.ToText(Mitigator.Detector.Kind), Mitigator.Detector.Threshold, Mitigator.Options.Alpha,
            MitigationOptions.ToText(Mitigator.Options.ActOn),
            Mitigator.Model.Graph.Names, rows.OrderBy(r => r.Row).ToList());
    }

    /// <summary>A row as numbers (the cluster persists finished pieces as number arrays): row, status, flipped, scores,
    /// threshold, cost, lowest score, then per node the counterfactual, the action (NaN: none) and the root-cause flag.</summary>
    public int EncodedWidth => 8 + 3 * Mitigator.Model.Count;

    public double[] Encode(MitigationRow r)
    {
        var names = Mitigator.Model.Graph.Names;
        var n = names.Count;
        var x = new double[EncodedWidth];
        (x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]) = (r.Row, (int)r.Status, r.Flipped ? 1 : 0, r.ScoreBefore, r.ScoreAfter, r.Threshold, r.Cost, r.LowestScore);
        for (var v = 0; v < n; v++)
        {
            x[8 + v] = r.Counterfactual.Count == n ? r.Counterfactual[v] : double.NaN;
            x[8 + n + v] = r.Actions.TryGetValue(names[v], out var theta) ? theta : double.NaN;
            x[8 + 2 * n + v] = r.RootCauses.Contains(names[v]) ? 1 : 0;
        }
        return x;
    }

    public MitigationRow Decode(double[] x)
    {
        var g = Mitigator.Model.Graph;
        var n = g.Count;
        var status = (MitigationStatus)(int)x[1];
        var causes = g.TopologicalOrder.Where(v => x[8 + 2 * n + v] == 1).Select(v => g.Names[v]).ToArray();
        var actions = new Dictionary<string, double>();
        foreach (var v in g.TopologicalOrder)
            if (!double.IsNaN(x[8 + n + v])) actions[g.Names[v]] = x[8 + n + v];
        return new MitigationRow((int)x[0], causes, actions, x[8..(8 + n)], x[3], x[4], x[5], x[2] == 1, x[6], status, x[7],
            Mitigator.Reason(status, x[2] == 1, causes, x[7]));
    }
}
