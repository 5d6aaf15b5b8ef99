namespace OrleansRca.Causal.RootCause;

/// <summary>Shapley attribution of one row's outlier score to the noises upstream of the target.</summary>
/// <param name="OutlierScore">−log P(g(X_T) ≥ g(x_T)): the information-theoretic outlier score of the target's value.</param>
/// <param name="Attributions">Per upstream node (the target included), its share; they sum to <see cref="OutlierScore"/>.</param>
/// <param name="StandardErrors">Per node, the sampling error of its share (0 when enumerated exactly).</param>
/// <param name="Exact">True when every subset was enumerated.</param>
public sealed record Attribution(double OutlierScore, IReadOnlyDictionary<int, double> Attributions, IReadOnlyDictionary<int, double> StandardErrors,
    bool Exact, int Permutations);

/// <summary>
/// Janzing, Budhathoki, Minorics, Blöbaum (2019), as DoWhy's <c>attribute_anomalies</c>: the outlier score
/// S(x) = −log P(g(X_T) ≥ g(x_T)) with g(t) = |F_T(t) − ½| (F_T the target's normal CDF, a two-sided median
/// quantile score), and the set function v(U) = log P(g(X_T) ≥ g(x_T) | the noises in U take the row's
/// values), estimated on N joint draws of the other noises from their normal distributions (the same
/// draws for every subset). v(all) = 0 and v(∅) = −S(x), so the Shapley values sum to S(x).
/// Relative frequencies are (k + ½)/(N + ½), DoWhy's, so no log is of zero. Exact enumeration up to
/// <see cref="ExactUpTo"/> upstream nodes; beyond, antithetic permutation sampling with the standard
/// error of each share reported.
/// </summary>
public sealed class ShapleyAttribution
{
    public const int ExactUpTo = 8;
    public const int DefaultSamples = 2000;
    public const int DefaultPermutations = 64;

    private readonly RootCauseModel _model;
    private readonly int _target;
    private readonly int[] _nodes;          // upstream nodes in topological order; position = player index
    private readonly int[][] _parentPositions;
    private readonly bool[][] _affects;       // _affects[j][k]: node k is j or a descendant of j
    private readonly int _samples;

    public ShapleyAttribution(RootCauseModel model, int target, int samples = DefaultSamples)
    {
        _model = model;
        _target = target;
        _samples = samples;
        var g = model.Model.Graph;
        _nodes = g.InTopologicalOrder(g.Ancestors([target]));
        var position = new Dictionary<int, int>();
        for (var i = 0; i < _nodes.Length; i++) position[_nodes[i]] = i;
        _parentPositions = _nodes.Select(v => g.Parents[v].Select(p => position[p]).ToArray()).ToArray();
        _affects = new bool[_nodes.Length][];
        for (var j = 0; j < _nodes.Length; j++)
        {
            var down = g.Descendants([_nodes[j]]);
            _affects[j] = _nodes.Select(v => down[v]).ToArray();
        }
    }

    /// <summary>The upstream nodes (players), in topological order.</summary>
    public IReadOnlyList<int> Nodes => _nodes;

    /// <summary>Attributes the outlier score of a row with abducted noise <paramref name="rowNoise"/> (node-indexed).</summary>
    public Attribution Attribute(IReadOnlyList<double> rowNoise, double targetValue, int seed, int permutations = DefaultPermutations, bool? exact = null)
    {
        var d = _nodes.Length;
        var random = new Random(seed);
        var evaluator = NewEvaluator(random, rowNoise, targetValue);
        var useExact = exact ?? d <= ExactUpTo;
        var empty = evaluator.Value(new bool[d], null);
        var shares = new double[d];
        var errors = new double[d];
        if (useExact)
        {
            if (d > 20) throw new InputException($"exact Shapley enumeration over {d} upstream nodes is too large (2^{d} subsets)");
            var values = new double[1 << d];
            var member = new bool[d];
            for (var mask = 0; mask < values.Length; mask++)
            {
                for (var j = 0; j < d; j++) member[j] = (mask >> j & 1) == 1;
                values[mask] = mask == 0 ? empty : evaluator.Value(member, null);
            }
            var weight = new double[d];
            for (var s = 0; s < d; s++) weight[s] = Math.Exp(LogFactorial(s) + LogFactorial(d - s - 1) - LogFactorial(d));
            for (var mask = 0; mask < values.Length; mask++)
            {
                var size = System.Numerics.BitOperations.PopCount((uint)mask);
                for (var j = 0; j < d; j++)
                    if ((mask >> j & 1) == 0) shares[j] += weight[size] * (values[mask | 1 << j] - values[mask]);
            }
            permutations = 0;
        }
        else
        {
            if (permutations < 2) throw new InputException($"Shapley sampling needs at least 2 permutations, not {permutations}");
            var sum = new double[d];
            var sumSquares = new double[d];
            var order = Enumerable.Range(0, d).ToArray();
            var member = new bool[d];
            var state = evaluator.NewState();
            for (var m = 0; m < permutations; m++)
            {
                // Antithetic pairs: every other permutation is the reverse of the one before.
                if (m % 2 == 0) random.Shuffle(order); else Array.Reverse(order);
                Array.Clear(member);
                var previous = evaluator.Value(member, state);
                foreach (var j in order)
                {
                    member[j] = true;
                    var value = evaluator.Value(member, state, j);
                    var delta = value - previous;
                    sum[j] += delta;
                    sumSquares[j] += delta * delta;
                    previous = value;
                }
            }
            for (var j = 0; j < d; j++)
            {
                shares[j] = sum[j] / permutations;
                var variance = Math.Max(0, sumSquares[j] / permutations - shares[j] * shares[j]);
                errors[j] = Math.Sqrt(variance / (permutations - 1));
            }
        }
        return new Attribution(-empty,
            Enumerable.Range(0, d).ToDictionary(j => _nodes[j], j => shares[j]),
            Enumerable.Range(0, d).ToDictionary(j => _nodes[j], j => errors[j]), useExact, permutations);
    }

    /// <summary>
    /// Independent draws from each node's normal noise, the same for every subset (common random numbers),
    /// and the target's two-sided region at least as extreme as the row: t ≤ lo or t ≥ hi.
    /// </summary>
    private Evaluator NewEvaluator(Random random, IReadOnlyList<double> rowNoise, double targetValue)
    {
        var d = _nodes.Length;
        var drawn = new double[d][];
        for (var j = 0; j < d; j++)
        {
            var sample = _model.Fits[_nodes[j]].Noise.Sorted;
            drawn[j] = new double[_samples];
            for (var i = 0; i < _samples; i++) drawn[j][i] = sample[random.Next(sample.Length)];
        }
        var marginal = _model.Marginals[_target];
        var g = Math.Abs(marginal.Cdf(targetValue) - 0.5);
        // F is continuous and increasing, so {t : |F(t) − ½| ≥ g} = (−∞, lo] ∪ [hi, ∞): two comparisons per draw
        // instead of a CDF each. A tiny slack: with every noise fixed the row is reproduced up to rounding.
        var lo = Math.Min(targetValue, Inverse(marginal, 0.5 - g, targetValue)) + 1e-12 * (1 + Math.Abs(targetValue));
        var hi = Math.Max(targetValue, Inverse(marginal, 0.5 + g, targetValue)) - 1e-12 * (1 + Math.Abs(targetValue));
        if (targetValue <= marginal.Median) lo = targetValue + 1e-12 * (1 + Math.Abs(targetValue));
        else hi = targetValue - 1e-12 * (1 + Math.Abs(targetValue));
        return new Evaluator(this, drawn, rowNoise, lo, hi);
    }

    /// <summary>The t with F(t) = p, by bisection (F is continuous and increasing).</summary>
    private static double Inverse(NoiseDistribution f, double p, double near)
    {
        var span = Math.Max(1, f.StandardDeviation) + Math.Abs(near - f.Median);
        double a = f.Median - span, b = f.Median + span;
        while (f.Cdf(a) > p && span < 1e300) { span *= 2; a = f.Median - span; }
        while (f.Cdf(b) < p && span < 1e300) { span *= 2; b = f.Median + span; }
        for (var i = 0; i < 200 && b - a > 1e-14 * (1 + Math.Abs(a)); i++)
        {
            var m = 0.5 * (a + b);
            if (f.Cdf(m) < p) a = m; else b = m;
        }
        return 0.5 * (a + b);
    }

    /// <summary>v(U) for one subset (true = the row's own noise), with the draws <see cref="Attribute"/> makes from <paramref name="seed"/>.</summary>
    internal double SetValue(IReadOnlyList<double> rowNoise, double targetValue, int seed, bool[] member) =>
        NewEvaluator(new Random(seed), rowNoise, targetValue).Value(member, null);

    private static double LogFactorial(int n)
    {
        var s = 0.0;
        for (var i = 2; i <= n; i++) s += Math.Log(i);
        return s;
    }

    /// <summary>v(U) over the shared draws; with a state it recomputes only what the last added node changes.</summary>
    private sealed class Evaluator(ShapleyAttribution owner, double[][] drawn, IReadOnlyList<double> rowNoise, double lo, double hi)
    {
        private readonly int _n = drawn.Length == 0 ? 0 : drawn[0].Length;

        public double[][] NewState() => owner._nodes.Select(_ => new double[_n]).ToArray();

        public double Value(bool[] member, double[][]? state, int changed = -1)
        {
            var d = owner._nodes.Length;
            var values = state ?? NewState();
            var model = owner._model.Model;
            double[]? rowConstant = null;
            for (var k = 0; k < d; k++)
            {
                if (changed >= 0 && !owner._affects[changed][k]) continue;
                var node = owner._nodes[k];
                var parents = owner._parentPositions[k];
                // A member keeps the row's own noise in every draw; the others take the drawn normal noise.
                double[] noise;
                if (member[k])
                {
                    noise = rowConstant ??= new double[_n];
                    Array.Fill(noise, rowNoise[node]);
                }
                else noise = drawn[k];
                var slices = new ReadOnlyMemory<double>[parents.Length];
                for (var p = 0; p < parents.Length; p++) slices[p] = values[parents[p]];
                model.ApplyMechanism(node, slices, noise, values[k]);
            }
            var target = values[d - 1];
            var count = 0;
            for (var i = 0; i < _n; i++)
                if (target[i] <= lo || target[i] >= hi) count++;
            return Math.Log((count + 0.5) / (_n + 0.5));
        }
    }
}
