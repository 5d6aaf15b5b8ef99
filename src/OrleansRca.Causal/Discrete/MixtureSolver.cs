using System.Globalization;
using System.Numerics;

namespace OrleansRca.Causal.Discrete;

/// <summary>Which estimator <see cref="MixtureSolver"/> uses.</summary>
public enum MixtureMethod
{
    /// <summary><see cref="Robust"/> when the mixture states a sample count, otherwise <see cref="Exact"/>.</summary>
    Auto,

    /// <summary>The constructive algorithm of theorem 1 (Sinha et al. 2020): exact marginals in, exact proportions out.</summary>
    Exact,

    /// <summary>Per-node weighted non-negative least squares with one state left out and a sparsity penalty, for estimated marginals.</summary>
    Robust,
}

/// <summary>One mixing proportion: the weight of do(node = state) in the mixture.</summary>
public sealed record MixtureProportion(string Node, string State, double Pi);

/// <summary>The recovered mixture: pi_phi (no intervention) and pi for every (node, state).</summary>
public sealed class MixtureSolution
{
    internal MixtureSolution(BayesianNetwork network, double piPhi, double[] pi, MixtureMethod method)
    {
        Network = network;
        PiPhi = piPhi;
        Pi = pi;
        Method = method;
    }

    /// <summary>The network.</summary>
    public BayesianNetwork Network { get; }

    /// <summary>Weight of the unintervened network.</summary>
    public double PiPhi { get; }

    /// <summary>Weights of do(X_i = a) in the network-wide state numbering.</summary>
    public IReadOnlyList<double> Pi { get; }

    /// <summary>The estimator that produced the solution (never <see cref="MixtureMethod.Auto"/>).</summary>
    public MixtureMethod Method { get; }

    /// <summary>Every (node, state) with its proportion, in network order.</summary>
    public IReadOnlyList<MixtureProportion> Proportions =>
        Network.Variables.SelectMany(v => v.States.Select((s, k) => new MixtureProportion(v.Name, s, Pi[v.StateOffset + k]))).ToList();
}

/// <summary>
/// Disentangles a mixture of single-node interventions from its marginals (DIMM, Sinha et al., AAAI 2020).
/// </summary>
/// <remarks>
/// <para>
/// The mixture's marginals are linear in the proportions:
/// P_mix(X_j) = pi_phi P(X_j) + sum_{i,a} pi_{i,a} P(X_j | do(X_i = a)). Writing a = P(X_j), x = (pi_{j,.})
/// and b = P_mix(X_j) - P(X_j) - sum_{i before j, a} (P(X_j | do(X_i = a)) - P(X_j)) pi_{i,a}, node j's
/// equations are x - a (1'x) = b (theorem 1, eq. 4), of rank K - 1. Nodes are solved in topological order.
/// </para>
/// <para>
/// Exact: the solutions form the line x = b + a t; assumption 1 (some state of X_j is never set) and
/// x &gt;= 0 leave exactly t* = max_k (-b_k / a_k) over states with a_k &gt; 0 (lemmas 1 and 2).
/// A state with P(X_j = k) = 0 has x_k = b_k fixed; if that is 0, t is free and the input is not
/// identifiable; if negative, the marginals are inconsistent.
/// </para>
/// <para>
/// Robust (estimated marginals from m samples): for each node, weighted least squares with the
/// multinomial weights m / p̂_k, over every support that leaves at least one state out (assumption 1),
/// with x &gt;= 0, minimising chi-square + penalty * |support|. The penalty is the risk-inflation criterion
/// 2 ln(N) for N candidate interventions (Foster and George 1994): the paper's OPT(eps) keeps every
/// proportion that fits noise, and on rare states noise divided by a small a_k is large. Supports are
/// enumerated exhaustively up to 12 states, beyond that by non-negative least squares per left-out
/// state followed by backward elimination. If the proportions then sum above 1 they are scaled to 1.
/// </para>
/// </remarks>
public static class MixtureSolver
{
    /// <summary>Base probabilities at or below this are treated as zero.</summary>
    private const double ZeroProbability = 1e-12;

    /// <summary>Exact-mode slack for sign checks and for the total of the proportions.</summary>
    private const double ExactTolerance = 1e-9;

    private const int ExhaustiveLimit = 12;

    /// <summary>Recovers the mixing proportions.</summary>
    /// <exception cref="InputException">The marginals belong to another network, are inconsistent, or (exact) do not identify the proportions; the message names the node.</exception>
    public static MixtureSolution Solve(InterventionalMarginals oracle, MixtureMarginals mixture, MixtureMethod method = MixtureMethod.Auto)
    {
        var net = oracle.Network;
        if (!ReferenceEquals(net, mixture.Network))
            throw new ArgumentException("the mixture marginals were read for another network", nameof(mixture));
        if (method == MixtureMethod.Auto)
            method = mixture.Samples is null ? MixtureMethod.Exact : MixtureMethod.Robust;
        if (method == MixtureMethod.Robust && mixture.Samples is null)
            throw new InputException("the robust estimator needs the number of samples ('samples' in the mixture file)");

        var pi = new double[net.StateCount];
        var penalty = RobustPenalty(net.StateCount);
        var total = 0.0;
        var b = new double[net.Variables.Max(v => v.Cardinality)];
        foreach (var j in net.TopologicalOrder)
        {
            var v = net.Variables[j];
            var bj = b.AsSpan(0, v.Cardinality);
            NodeTarget(oracle, j, mixture.Values, pi, bj);
            var x = pi.AsSpan(v.StateOffset, v.Cardinality);
            if (method == MixtureMethod.Exact)
            {
                SolveNodeExact(v, oracle.Base(j), bj, x);
                total += Sum(x);
                if (total > 1 + ExactTolerance)
                    throw new InputException(
                        $"node '{v.Name}': the marginals are inconsistent: the intervention proportions up to this node already sum to {total.ToString("R", CultureInfo.InvariantCulture)} > 1");
            }
            else
            {
                var weights = RobustWeights(mixture.Of(j), mixture.Samples!.Value);
                SolveNodeRobust(oracle.Base(j), bj, weights, penalty, x);
            }
        }

        total = Sum(pi);
        if (method == MixtureMethod.Robust && total > 1)
        {
            // Noise can push the estimates over the simplex; scale back onto it.
            for (var g = 0; g < pi.Length; g++) pi[g] /= total;
            total = 1;
        }
        var piPhi = Math.Max(0, 1 - total);
        return new MixtureSolution(net, piPhi, pi, method);
    }

    /// <summary>The sparsity penalty of the robust estimator for <paramref name="candidates"/> candidate interventions: 2 ln N.</summary>
    public static double RobustPenalty(int candidates) => 2 * Math.Log(Math.Max(candidates, 1));

    /// <summary>Multinomial chi-square weights m / p̂_k (p̂ floored at half a count).</summary>
    public static double[] RobustWeights(ReadOnlySpan<double> estimated, long samples)
    {
        var w = new double[estimated.Length];
        var floor = 0.5 / samples;
        for (var k = 0; k < w.Length; k++) w[k] = samples / Math.Max(estimated[k], floor);
        return w;
    }

    /// <summary>
    /// Right-hand side b of node j's system: P_mix(X_j) - P(X_j) minus what the interventions already
    /// estimated (on other nodes) explain. Only nodes before j in topological order may have non-zero pi.
    /// </summary>
    public static void NodeTarget(InterventionalMarginals oracle, int node, ReadOnlySpan<double> mixture, ReadOnlySpan<double> pi, Span<double> b)
    {
        var v = oracle.Network.Variables[node];
        var a = oracle.Base(node);
        var mix = mixture.Slice(v.StateOffset, v.Cardinality);
        for (var k = 0; k < b.Length; k++) b[k] = mix[k] - a[k];
        for (var g = 0; g < pi.Length; g++)
        {
            if (pi[g] == 0 || oracle.Network.StateOwner[g] == node) continue;
            var row = oracle.DoAll(g).Slice(v.StateOffset, v.Cardinality);
            for (var k = 0; k < b.Length; k++) b[k] -= (row[k] - a[k]) * pi[g];
        }
    }

    /// <summary>Theorem 1 for one node: the unique non-negative x on the line x = b + a t with a zero entry.</summary>
    /// <exception cref="InputException">Inconsistent or non-identifiable (naming the node).</exception>
    public static void SolveNodeExact(DiscreteVariable node, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x)
    {
        var k = a.Length;
        var t = double.NegativeInfinity;
        var zero = -1;
        for (var s = 0; s < k; s++)
        {
            if (a[s] <= ZeroProbability) continue;
            var ts = -b[s] / a[s];
            if (ts > t) { t = ts; zero = s; }
        }
        if (zero < 0)
            throw new InputException($"node '{node.Name}': the network gives every state probability 0");
        for (var s = 0; s < k; s++)
        {
            if (a[s] > ZeroProbability) continue;
            // A state the network never takes: do(X_j = s) is the only source of its mass.
            if (b[s] < -ExactTolerance)
                throw new InputException(
                    $"node '{node.Name}': the marginals are inconsistent: state '{node.States[s]}' has probability 0 in the network but its mixture marginal is below what the other interventions explain");
            if (b[s] <= ExactTolerance)
                throw new InputException(
                    $"node '{node.Name}': the proportions are not identifiable: state '{node.States[s]}' has probability 0 in the network and no mixture mass, " +
                    "so assumption 1 holds for every split between pi_phi and the interventions on this node");
        }
        for (var s = 0; s < k; s++)
            x[s] = a[s] > ZeroProbability ? Math.Max(0, b[s] + a[s] * t) : b[s];
        x[zero] = 0;
    }

    /// <summary>
    /// Robust estimate for one node: argmin over x &gt;= 0 with at least one zero of
    /// sum_k w_k ((x - a 1'x)_k - b_k)^2 + penalty * #nonzero.
    /// </summary>
    public static void SolveNodeRobust(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> w, double penalty, Span<double> x)
    {
        var problem = new NodeProblem(a, b, w);
        var best = a.Length <= ExhaustiveLimit ? problem.BestSubset(penalty) : problem.Greedy(penalty);
        x.Clear();
        best.CopyTo(x);
    }

    internal static double[] SolveNodeRobust(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> w, double penalty, bool exhaustive)
    {
        var problem = new NodeProblem(a, b, w);
        return exhaustive ? problem.BestSubset(penalty) : problem.Greedy(penalty);
    }

    private static double Sum(ReadOnlySpan<double> x)
    {
        var s = 0.0;
        foreach (var v in x) s += v;
        return s;
    }

    /// <summary>Weighted least squares on the columns of A = I - a 1' restricted to a support.</summary>
    private sealed class NodeProblem
    {
        private readonly int _k;
        private readonly double[] _a;
        private readonly double[] _b;
        private readonly double[] _w;
        private readonly double[,] _g; // A' W A
        private readonly double[] _h;  // A' W b

        public NodeProblem(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> w)
        {
            _k = a.Length;
            _a = a.ToArray();
            _b = b.ToArray();
            _w = w.ToArray();
            _g = new double[_k, _k];
            _h = new double[_k];
            for (var r = 0; r < _k; r++)
                for (var l = 0; l < _k; l++)
                {
                    var arl = (r == l ? 1 : 0) - _a[r];
                    _h[l] += _w[r] * arl * _b[r];
                    for (var m = l; m < _k; m++)
                        _g[l, m] += _w[r] * arl * ((r == m ? 1 : 0) - _a[r]);
                }
            for (var l = 0; l < _k; l++)
                for (var m = 0; m < l; m++) _g[l, m] = _g[m, l];
        }

        /// <summary>Every support of size at most K - 1 whose least-squares solution is positive.</summary>
        public double[] BestSubset(double penalty)
        {
            var best = new double[_k];
            var bestScore = Chi(best);
            var support = new int[_k];
            for (var mask = 1; mask < 1 << _k; mask++)
            {
                var size = BitOperations.PopCount((uint)mask);
                if (size >= _k) continue;
                var n = 0;
                for (var l = 0; l < _k; l++) if ((mask & (1 << l)) != 0) support[n++] = l;
                var z = LeastSquares(support.AsSpan(0, n));
                if (z is null || z.Any(v => v <= 0)) continue;
                var x = new double[_k];
                for (var t = 0; t < n; t++) x[support[t]] = z[t];
                var score = Chi(x) + penalty * n;
                if (score < bestScore - 1e-12 * (1 + Math.Abs(bestScore)))
                {
                    bestScore = score;
                    best = x;
                }
            }
            return best;
        }

        /// <summary>For each left-out state: non-negative least squares, then drop variables while the penalised score falls.</summary>
        public double[] Greedy(double penalty)
        {
            var best = new double[_k];
            var bestScore = Chi(best);
            for (var zero = 0; zero < _k; zero++)
            {
                var allowed = Enumerable.Range(0, _k).Where(l => l != zero).ToList();
                var x = Nnls(allowed);
                var supp = allowed.Where(l => x[l] > 0).ToList();
                var score = Chi(x) + penalty * supp.Count;
                while (supp.Count > 0)
                {
                    double[]? bestDrop = null;
                    var bestDropScore = score;
                    List<int>? bestDropSupp = null;
                    foreach (var l in supp)
                    {
                        var reduced = supp.Where(u => u != l).ToList();
                        var y = Nnls(reduced);
                        var ySupp = reduced.Where(u => y[u] > 0).ToList();
                        var s = Chi(y) + penalty * ySupp.Count;
                        if (s < bestDropScore) { bestDropScore = s; bestDrop = y; bestDropSupp = ySupp; }
                    }
                    if (bestDrop is null) break;
                    x = bestDrop;
                    supp = bestDropSupp!;
                    score = bestDropScore;
                }
                if (score < bestScore - 1e-12 * (1 + Math.Abs(bestScore)))
                {
                    bestScore = score;
                    best = x;
                }
            }
            return best;
        }

        /// <summary>Lawson-Hanson active-set NNLS over the allowed columns: the gradient from A'WA and A'Wb, each sub-problem by QR.</summary>
        private double[] Nnls(List<int> allowed)
        {
            var x = new double[_k];
            var passive = new List<int>();
            for (var iter = 0; iter < 10 * _k + 10; iter++)
            {
                // Gradient of -chi/2: h - G x.
                var bestL = -1;
                var bestG = 1e-13;
                foreach (var l in allowed)
                {
                    if (passive.Contains(l)) continue;
                    var g = _h[l];
                    for (var m = 0; m < _k; m++) g -= _g[l, m] * x[m];
                    if (g > bestG * (1 + Math.Abs(_h[l]))) { bestG = g; bestL = l; }
                }
                if (bestL < 0) break;
                passive.Add(bestL);
                while (true)
                {
                    var z = LeastSquares(passive.ToArray());
                    if (z is null) { passive.Remove(bestL); return x; }
                    if (z.All(v => v > 0))
                    {
                        Array.Clear(x);
                        for (var t = 0; t < passive.Count; t++) x[passive[t]] = z[t];
                        break;
                    }
                    // Step towards z until the first passive variable hits zero, then release it.
                    var alpha = 1.0;
                    for (var t = 0; t < passive.Count; t++)
                        if (z[t] <= 0) alpha = Math.Min(alpha, x[passive[t]] / (x[passive[t]] - z[t]));
                    for (var t = 0; t < passive.Count; t++) x[passive[t]] += alpha * (z[t] - x[passive[t]]);
                    passive.RemoveAll(l => x[l] <= 1e-15);
                    foreach (var l in allowed) if (!passive.Contains(l)) x[l] = 0;
                    if (passive.Count == 0) break;
                }
            }
            return x;
        }

        /// <summary>
        /// Unconstrained weighted least squares on a support: MathNet's Householder QR of the weighted columns
        /// W^(1/2) A_S, not the normal equations, whose condition number is the square of this one (rare states
        /// carry weights m / p up to 2m). Null when the columns are (nearly) dependent: a support holding every
        /// state the network can take is rank deficient, since the columns of A = I - a 1' sum to a multiple of a.
        /// </summary>
        private double[]? LeastSquares(ReadOnlySpan<int> support)
        {
            var n = support.Length;
            var design = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(_k, n);
            var rhs = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(_k);
            for (var r = 0; r < _k; r++)
            {
                var root = Math.Sqrt(_w[r]);
                rhs[r] = root * _b[r];
                for (var t = 0; t < n; t++) design[r, t] = root * ((r == support[t] ? 1 : 0) - _a[r]);
            }
            var qr = design.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
            // Relative pivot test on R (1e-6 here is the 1e-12 the normal equations' pivots were held to).
            for (var t = 0; t < n; t++)
                if (Math.Abs(qr.R[t, t]) <= 1e-6 * design.Column(t).L2Norm()) return null;
            return [.. qr.Solve(rhs)];
        }

        /// <summary>Weighted residual sum of squares of x.</summary>
        private double Chi(double[] x)
        {
            var total = 0.0;
            var sum = 0.0;
            foreach (var v in x) sum += v;
            for (var r = 0; r < _k; r++)
            {
                var res = x[r] - _a[r] * sum - _b[r];
                total += _w[r] * res * res;
            }
            return total;
        }
    }
}
