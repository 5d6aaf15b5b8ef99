using MathNet.Numerics.LinearAlgebra;
using OrleansRca.Causal.Fitting;

namespace OrleansRca.Causal.RootCause;

/// <summary>How well a node's mechanism explains its normal data, and what the fit had to work around.</summary>
/// <param name="Family">root, given, constant, linear, quadratic, spline, split or coded (a categorical node).</param>
/// <param name="HeldOutR2">1 − held-out MSE / variance (cross-validated; in-sample for given mechanisms).</param>
/// <param name="HeldOutRmse">Root mean squared held-out error of the chosen family.</param>
/// <param name="LinearRmse">The same for plain least squares, for comparison (NaN when not fitted).</param>
/// <param name="Notes">Parents dropped as constant or collinear, too few rows, and the like.</param>
public sealed record NodeFitQuality(string Node, string Family, int Rows, double HeldOutR2, double HeldOutRmse, double LinearRmse, double Ridge,
    IReadOnlyList<string> Notes);

/// <summary>A node fitted on normal data: its mechanism (null for a root), its normal-noise distribution and its fit quality.</summary>
/// <param name="StandardNoise">The normal rows' noise in row order, <see cref="NoiseCoupling.Standardise"/>d: what couples it with other nodes'.</param>
public sealed record NodeFit(int Node, Mechanism? Mechanism, NoiseDistribution Noise, NodeFitQuality Quality, float[] StandardNoise)
{
    public NodeFit(int node, Mechanism? mechanism, double[] normalNoise, double scale, NodeFitQuality quality)
        : this(node, mechanism, NoiseDistribution.FromSample(normalNoise, scale), quality, NoiseCoupling.Standardise(normalNoise)) { }
}

/// <summary>
/// Per-node fitting on normal data. A node reads only its own column and its parents', so every node
/// fits independently (a node grain fits its own). Candidates: plain least squares, and three ridge
/// basis expansions that capture what real mechanisms do (quadratic terms and interactions; hinges at
/// parent quantiles and max-like differences; a split: one linear model on each side of the threshold of one
/// parent that best splits the linear fit's residual, as when a limit switches a mechanism off). The family and the ridge strength are chosen by
/// 5-fold cross-validated error; a flexible family must beat the linear one by 1% to be taken, so
/// linear data stay linear. The noise distribution is built from out-of-fold residuals: a residual the
/// fit never saw is what an anomalous row's residual is compared with, so flexible fits do not make
/// normal noise look narrower than it is.
/// </summary>
public static class NodeFitter
{
    public const int Folds = 5;
    /// <summary>Below this many rows there is no cross-validation: linear least squares only.</summary>
    public const int MinRowsForSelection = 20;
    /// <summary>Pairwise terms only up to this many parents (their number grows quadratically).</summary>
    public const int MaxParentsForPairs = 6;
    private static readonly double[] RidgeGrid = [1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1];
    private const double RequiredGain = 0.99;

    /// <summary>
    /// Fits node <paramref name="node"/>: a given mechanism is kept (noise abducted on the normal rows),
    /// a root's noise is its value, any other node is fitted. <paramref name="normal"/> must have no gaps.
    /// </summary>
    public static NodeFit Fit(CausalModel model, int node, DataTable normal) =>
        model.Nodes[node].Type == NodeType.Categorical && !model.Graph.IsRoot(node) && model.Mechanisms[node] is null
            ? FitCoded(model, node, normal)
            : FitAdditive(model, node, normal);

    /// <summary>
    /// A coded node (<see cref="NodeType.Categorical"/>, codes 0, 1, 2, ...): P(x ≤ k | parents) is fitted for every code
    /// but the last, by this same fitter on the indicator column (family and ridge chosen as for any node), and the fits
    /// make a <see cref="CodedMechanism"/>. Its noise on the normal rows is each row's quantile (in sample). The quality
    /// figures are the indicator fits' means.
    /// </summary>
    private static NodeFit FitCoded(CausalModel model, int node, DataTable normal)
    {
        var g = model.Graph;
        var name = g.Names[node];
        var y = normal[name];
        var codes = (int)y.Max() + 1;
        if (codes < 2) return FitAdditive(model, node, normal);
        var column = normal.IndexOf(name);
        var indicators = new NodeFit[codes - 1];
        for (var k = 0; k < codes - 1; k++)
        {
            var indicator = y.Select(v => v <= k ? 1.0 : 0.0).ToArray();
            indicators[k] = FitAdditive(model, node, new DataTable(normal.Names, normal.Columns.Select((c, i) => i == column ? indicator : c).ToList()));
        }
        var mechanism = new CodedMechanism(indicators.Select(f => f.Mechanism!).ToArray());
        var noise = Abduct(mechanism, g.Parents[node].Select(p => normal[g.Names[p]]).ToArray(), y);
        var notes = new List<string> { $"{codes} codes: P({name} <= k) fitted per code ({string.Join(", ", indicators.Select(f => f.Quality.Family))})" };
        notes.AddRange(indicators.SelectMany(f => f.Quality.Notes).Distinct());
        return new NodeFit(node, mechanism, noise, 1,
            new NodeFitQuality(name, "coded", y.Length, indicators.Average(f => f.Quality.HeldOutR2), indicators.Average(f => f.Quality.HeldOutRmse),
                indicators.Average(f => f.Quality.LinearRmse), double.NaN, notes));
    }

    private static NodeFit FitAdditive(CausalModel model, int node, DataTable normal)
    {
        var g = model.Graph;
        var name = g.Names[node];
        var y = normal[name];
        var n = y.Length;
        var given = model.Mechanisms[node];
        // The node's own magnitude sets the resolution of its noise tails (see NoiseDistribution).
        var scale = y.Average(Math.Abs);
        if (g.IsRoot(node) && given is null)
            return new NodeFit(node, null, y, scale,
                new NodeFitQuality(name, "root", n, double.NaN, double.NaN, double.NaN, double.NaN, ConstantNote(y, name)));
        var parentColumns = g.Parents[node].Select(p => normal[g.Names[p]]).ToArray();
        if (given is not null)
        {
            var noise = Abduct(given, parentColumns, y);
            // A mechanism that overflows (or divides by zero) on normal data cannot score anything: the model's fault, said so.
            var bad = Array.FindIndex(noise, e => !double.IsFinite(e));
            if (bad >= 0)
                throw new InputException($"the mechanism of '{name}' gives no finite value on normal row {bad} (an overflow or a division by zero?); check its weights and formula");
            var variance = Variance(y);
            var mse = noise.Average(e => e * e);
            return new NodeFit(node, given, noise, scale,
                new NodeFitQuality(name, "given", n, variance > 0 ? 1 - Variance(noise) / variance : double.NaN, Math.Sqrt(mse), double.NaN, double.NaN, []));
        }
        if (n < 3) throw new InputException($"cannot fit '{name}': {n} normal row(s) are too few");

        var notes = new List<string>(ConstantNote(y, name));
        var parentNames = g.Parents[node].Select(p => g.Names[p]).ToArray();
        var kept = ScreenParents(name, parentNames, parentColumns, notes);
        if (n < kept.Length + 2)
            throw new InputException($"cannot fit '{name}': {n} normal rows are too few for {kept.Length} parent weight(s) and an intercept");
        if (kept.Length == 0 || Variance(y) == 0)
        {
            var mean = y.Average();
            var constant = new LinearMechanism(mean, new double[parentNames.Length]);
            var residual = y.Select(v => v - mean).ToArray();
            return new NodeFit(node, constant, residual, scale,
                new NodeFitQuality(name, "constant", n, 0, Math.Sqrt(residual.Average(e => e * e)), double.NaN, double.NaN, notes));
        }
        var keptColumns = kept.Select(k => parentColumns[k]).ToArray();
        var keptNames = kept.Select(k => parentNames[k]).ToArray();
        // Least squares on all rows: the mechanism when the linear family wins, and the residual the split is searched on.
        var leastSquares = ExpandLinear(LeastSquares.Fit(name, keptNames, keptColumns, y), kept, parentNames.Length);

        if (n < MinRowsForSelection)
        {
            notes.Add($"only {n} normal rows: linear least squares without cross-validation, in-sample residuals");
            var noise = Abduct(leastSquares, parentColumns, y);
            return new NodeFit(node, leastSquares, noise, scale,
                new NodeFitQuality(name, "linear", n, 1 - Variance(noise) / Variance(y), Math.Sqrt(noise.Average(e => e * e)), double.NaN, 0, notes));
        }

        // One deterministic shuffle, then contiguous folds: fold sums are slices of the same columns.
        var order = Enumerable.Range(0, n).ToArray();
        new Random(unchecked(17 * n + 31 * node)).Shuffle(order);
        var yPermuted = order.Select(r => y[r]).ToArray();
        var coded = kept.Select(k => model.Nodes[g.Parents[node][k]].Type == NodeType.Categorical).ToArray();
        var (specs, categories) = Specs(keptColumns, coded, kept.Length <= MaxParentsForPairs, notes, kept.Length);
        if (SplitSpec(specs[0], categories, keptColumns, Abduct(leastSquares, parentColumns, y)) is { } split) specs.Add(split);
        Candidate? linear = null;
        Candidate? flexible = null;
        foreach (var spec in specs)
        {
            var features = spec.Columns(keptColumns, order);
            // A family needs clearly more training rows than features.
            if (features.Length + 1 > (n - n / Folds) / 2) continue;
            var folds = new FoldSums(features, yPermuted, Folds);
            var isLinear = spec.Family == "linear";
            foreach (var ridge in isLinear ? [1e-9] : RidgeGrid)
            {
                var (mse, residuals) = folds.CrossValidate(ridge);
                if (double.IsNaN(mse)) continue;
                var candidate = new Candidate(spec, ridge, mse, residuals, features);
                if (isLinear) { if (linear is null || mse < linear.Mse) linear = candidate; }
                else if (flexible is null || mse < flexible.Mse) flexible = candidate;
            }
        }
        if (linear is null)
            throw new InputException($"cannot fit '{name}': {n} normal rows are too few for cross-validated least squares on {kept.Length} parent(s)");
        var best = flexible is not null && flexible.Mse < RequiredGain * linear.Mse ? flexible : linear;

        Mechanism mechanism;
        if (best.Spec.Family == "linear")
            mechanism = leastSquares;
        else
        {
            var all = new FoldSums(best.Features, yPermuted, 1);
            var (intercept, weights) = all.Solve(all.Training(-1), best.Ridge) ?? throw new InvalidOperationException($"ridge fit of '{name}' failed on all rows");
            mechanism = new BasisMechanism(best.Spec, kept, intercept, weights);
        }
        var oof = new double[n];
        for (var i = 0; i < n; i++) oof[order[i]] = best.Residuals[i];
        var varY = Variance(y);
        return new NodeFit(node, mechanism, oof, scale,
            new NodeFitQuality(name, best.Spec.Family, n, 1 - best.Mse / varY, Math.Sqrt(best.Mse), Math.Sqrt(linear.Mse),
                best.Spec.Family == "linear" ? 0 : best.Ridge, notes));
    }

    private sealed record Candidate(BasisSpec Spec, double Ridge, double Mse, double[] Residuals, double[][] Features);

    private static IReadOnlyList<string> ConstantNote(double[] y, string name) =>
        Variance(y) == 0 ? [$"'{name}' is constant ({y[0]}) in the normal data: any other value is maximally surprising"] : [];

    private static double[] Abduct(Mechanism mechanism, double[][] parents, double[] y)
    {
        var output = new double[y.Length];
        mechanism.Abduct(parents.Select(c => (ReadOnlyMemory<double>)c).ToArray(), y, output);
        return output;
    }

    private static LinearMechanism ExpandLinear(LinearMechanism fitted, int[] kept, int parents)
    {
        var weights = new double[parents];
        for (var k = 0; k < kept.Length; k++) weights[kept[k]] = fitted.Weights[k];
        return new LinearMechanism(fitted.Intercept, weights);
    }

    /// <summary>Keeps parents that vary and are not (nearly) linear combinations of earlier kept ones; notes the others by name.</summary>
    private static int[] ScreenParents(string node, string[] names, double[][] columns, List<string> notes)
    {
        var kept = new List<int>();
        var centred = new List<double[]>();
        for (var k = 0; k < columns.Length; k++)
        {
            var mean = columns[k].Average();
            var c = columns[k].Select(v => v - mean).ToArray();
            var ss = TensorPrimitives.Dot(c, c);
            // Relative to the column's magnitude: a filled or stuck column differs from constant only by rounding.
            if (!(ss > 1e-20 * c.Length * Math.Max(1, mean * mean)))
            {
                notes.Add($"parent '{names[k]}' of '{node}' is constant in the normal data: dropped (its effect cannot be learned)");
                continue;
            }
            // Share of the parent's variance left after regressing on the kept parents (Gram–Schmidt on centred columns).
            var residual = (double[])c.Clone();
            foreach (var q in centred)
                TensorPrimitives.MultiplyAdd(q, -TensorPrimitives.Dot(residual, q) / TensorPrimitives.Dot(q, q), residual, residual);
            // Ten times least squares' own tolerance, so a kept set never trips its check.
            if (TensorPrimitives.Dot(residual, residual) <= 10 * LeastSquares.CollinearityTolerance * ss)
            {
                notes.Add($"parent '{names[k]}' of '{node}' is collinear with {string.Join(", ", kept.Select(i => $"'{names[i]}'"))} in the normal data: dropped");
                continue;
            }
            kept.Add(k);
            centred.Add(residual);
        }
        return [.. kept];
    }

    /// <summary>Each side of a split keeps at least this share of the rows, so a split never isolates a few outliers.</summary>
    private const double MinSideShare = 0.02;

    /// <summary>
    /// The split family: the linear terms plus, past the threshold of one parent, a step and a second set of linear
    /// terms. The parent and threshold are the regression stump's: of all parents and all splits between two distinct
    /// values, the one that most reduces the squared residual of the linear fit around each side's mean. Null when no
    /// split leaves both sides large enough.
    /// </summary>
    /// <param name="categories">The categorical parents' steps between codes (a one-hot encoding), kept on both sides.</param>
    private static BasisSpec? SplitSpec(BasisSpec linear, Term[] categories, double[][] parents, double[] residual)
    {
        (int Parent, double Threshold, double Gain)? best = null;
        for (var k = 0; k < parents.Length; k++)
            if (BestSplit(parents[k], residual) is { } split && (best is null || split.Gain > best.Value.Gain))
                best = (k, split.Threshold, split.Gain);
        if (best is not { } b) return null;
        var knot = (b.Threshold - linear.Means[b.Parent]) / linear.Scales[b.Parent];
        var terms = new List<Term>(linear.Terms);
        terms.AddRange(categories);
        terms.Add(new Term(TermKind.Step, b.Parent, -1, knot));
        for (var k = 0; k < parents.Length; k++) terms.Add(new Term(TermKind.GatedLinear, b.Parent, k, knot));
        return new BasisSpec(linear.Means, linear.Scales, [.. terms], "split");
    }

    /// <summary>The split of <paramref name="x"/> that most reduces the squared error of <paramref name="r"/> around each side's mean, and that reduction.</summary>
    private static (double Threshold, double Gain)? BestSplit(double[] x, double[] r)
    {
        var n = x.Length;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(x.ToArray(), order);
        var total = r.Sum();
        var minSide = Math.Max(1, (int)(MinSideShare * n));
        double left = 0;
        (double Threshold, double Gain)? best = null;
        for (var i = 0; i < n - 1; i++)
        {
            left += r[order[i]];
            var (a, b) = (x[order[i]], x[order[i + 1]]);
            var nl = i + 1;
            if (nl < minSide || n - nl < minSide || a == b) continue;
            var right = total - left;
            var gain = left * left / nl + right * right / (n - nl) - total * total / n;
            if (best is null || gain > best.Value.Gain) best = ((a + b) / 2, gain);
        }
        return best;
    }

    /// <summary>The linear, quadratic and spline families, and the categorical parents' steps (which the flexible ones carry).</summary>
    /// <param name="coded">Per parent: categorical, whose codes name categories rather than measure anything.</param>
    private static (List<BasisSpec> Specs, Term[] CategorySteps) Specs(double[][] parents, bool[] coded, bool pairs, List<string> notes, int p)
    {
        var means = parents.Select(c => c.Average()).ToArray();
        var scales = parents.Select(c => Math.Sqrt(Variance(c)) is var s && s > 0 ? s : 1).ToArray();
        var linear = Enumerable.Range(0, p).Select(k => new Term(TermKind.Linear, k, -1, 0)).ToList();
        var quadratic = new List<Term>(linear);
        var spline = new List<Term>(linear);
        var steps = new List<Term>();
        for (var k = 0; k < p; k++)
        {
            quadratic.Add(new Term(TermKind.Square, k, -1, 0));
            if (coded[k])
            {
                // A step between each pair of neighbouring codes: with the intercept, one free level per category
                // (a one-hot encoding), where a slope in the code's number would order categories that have no order.
                var codes = parents[k].Distinct().Order().ToArray();
                for (var c = 0; c + 1 < codes.Length; c++)
                {
                    var step = new Term(TermKind.Step, k, -1, ((codes[c] + codes[c + 1]) / 2 - means[k]) / scales[k]);
                    steps.Add(step);
                    quadratic.Add(step);
                    spline.Add(step);
                }
                continue;
            }
            var z = parents[k].Select(v => (v - means[k]) / scales[k]).Order().ToArray();
            foreach (var q in new[] { 0.2, 0.4, 0.6, 0.8 }.Select(f => z[(int)(f * (z.Length - 1))]).Distinct())
                if (q > z[0] && q < z[^1]) spline.Add(new Term(TermKind.Hinge, k, -1, q));
        }
        if (pairs)
        {
            for (var a = 0; a < p; a++)
                for (var b = a + 1; b < p; b++)
                {
                    quadratic.Add(new Term(TermKind.Product, a, b, 0));
                    spline.Add(new Term(TermKind.Product, a, b, 0));
                    spline.Add(new Term(TermKind.MaxDiff, a, b, 0));
                }
        }
        else if (p > 1) notes.Add($"{p} parents: no pairwise terms in the flexible fits");
        return (
        [
            new BasisSpec(means, scales, [.. linear], "linear"),
            new BasisSpec(means, scales, [.. quadratic], "quadratic"),
            new BasisSpec(means, scales, [.. spline], "spline"),
        ], [.. steps]);
    }

    internal static double Variance(double[] v)
    {
        if (v.Length < 2) return 0;
        var mean = v.Average();
        var ss = 0.0;
        foreach (var x in v) ss += (x - mean) * (x - mean);
        return ss / v.Length;
    }

    /// <summary>
    /// Sufficient statistics per fold (feature sums, cross-products, target sums) so that every fold's
    /// training system is the total minus that fold, and every ridge strength reuses them.
    /// </summary>
    private sealed class FoldSums
    {
        private readonly double[][] _x;
        private readonly double[] _y;
        private readonly int[] _start;
        private readonly double[][,] _xx;
        private readonly double[][] _sx, _xy;
        private readonly double[] _sy;
        private readonly int _folds;

        public FoldSums(double[][] x, double[] y, int folds)
        {
            _x = x; _y = y; _folds = folds;
            var n = y.Length;
            var f = x.Length;
            _start = Enumerable.Range(0, folds + 1).Select(i => (int)((long)i * n / folds)).ToArray();
            _xx = new double[folds][,];
            _sx = new double[folds][];
            _xy = new double[folds][];
            _sy = new double[folds];
            for (var k = 0; k < folds; k++)
            {
                var (s, len) = (_start[k], _start[k + 1] - _start[k]);
                var yk = y.AsSpan(s, len);
                _xx[k] = new double[f, f];
                _sx[k] = new double[f];
                _xy[k] = new double[f];
                _sy[k] = TensorPrimitives.Sum(yk);
                for (var a = 0; a < f; a++)
                {
                    var xa = x[a].AsSpan(s, len);
                    _sx[k][a] = TensorPrimitives.Sum(xa);
                    _xy[k][a] = TensorPrimitives.Dot(xa, yk);
                    for (var b = 0; b <= a; b++) _xx[k][a, b] = _xx[k][b, a] = TensorPrimitives.Dot(xa, x[b].AsSpan(s, len));
                }
            }
        }

        public (double[,] Xx, double[] Sx, double[] Xy, double Sy, int N) Training(int holdout)
        {
            var f = _x.Length;
            var xx = new double[f, f];
            var sx = new double[f];
            var xy = new double[f];
            double sy = 0;
            var n = 0;
            for (var k = 0; k < _folds; k++)
            {
                if (k == holdout) continue;
                n += _start[k + 1] - _start[k];
                sy += _sy[k];
                for (var a = 0; a < f; a++)
                {
                    sx[a] += _sx[k][a];
                    xy[a] += _xy[k][a];
                    for (var b = 0; b < f; b++) xx[a, b] += _xx[k][a, b];
                }
            }
            return (xx, sx, xy, sy, n);
        }

        /// <summary>Ridge on centred features, each weight penalised in units of its feature's variance.</summary>
        public (double Intercept, double[] Weights)? Solve((double[,] Xx, double[] Sx, double[] Xy, double Sy, int N) t, double ridge)
        {
            var f = _x.Length;
            var c = Matrix<double>.Build.Dense(f, f);
            var rhs = Vector<double>.Build.Dense(f);
            for (var a = 0; a < f; a++)
            {
                rhs[a] = t.Xy[a] - t.Sx[a] * t.Sy / t.N;
                for (var b = 0; b < f; b++) c[a, b] = t.Xx[a, b] - t.Sx[a] * t.Sx[b] / t.N;
            }
            for (var a = 0; a < f; a++) c[a, a] += ridge * c[a, a] + 1e-12 * (1 + c[a, a]);
            Vector<double> w;
            try
            {
                w = c.Cholesky().Solve(rhs);
            }
            catch (ArgumentException)
            {
                return null;
            }
            if (w.Any(v => !double.IsFinite(v))) return null;
            var intercept = t.Sy / t.N;
            for (var a = 0; a < f; a++) intercept -= w[a] * t.Sx[a] / t.N;
            return (intercept, [.. w]);
        }

        /// <summary>Held-out MSE over all folds and the out-of-fold residuals (in the shuffled order).</summary>
        public (double Mse, double[] Residuals) CrossValidate(double ridge)
        {
            var residuals = new double[_y.Length];
            for (var k = 0; k < _folds; k++)
            {
                var solved = Solve(Training(k), ridge);
                if (solved is null) return (double.NaN, residuals);
                var (intercept, w) = solved.Value;
                var (s, len) = (_start[k], _start[k + 1] - _start[k]);
                var pred = residuals.AsSpan(s, len);
                pred.Fill(intercept);
                for (var a = 0; a < w.Length; a++) TensorPrimitives.MultiplyAdd(_x[a].AsSpan(s, len), w[a], pred, pred);
                TensorPrimitives.Subtract(_y.AsSpan(s, len), pred, pred);
            }
            return (TensorPrimitives.Dot(residuals, residuals) / residuals.Length, residuals);
        }
    }
}
