using System.Numerics;

namespace OrleansRca.Causal.Discrete;

/// <summary>Which estimator <see cref="MixtureSolver"/> uses.</summary>
public enum MixtureMethod
{
    /// <summary><see cref="Robust"/> when the mixture states a sample count, otherwise <see cref="Exact"/>.</summary>
    Auto,

    /// <summary>The constructive algorithm of theorem 1 (Sinha et al. 2020): exact marginals in, exact proportions out.</summary>
    Exact,

    /// <summary>Per-node multinomial weighted least squares with one state left out, under an empirical-Bayes spike-and-slab prior, for estimated marginals.</summary>
    Robust,
}

/// <summary>
/// The spike-and-slab prior of the robust estimator: each candidate intervention (a state that is not the one
/// assumption 1 leaves out of its node) is in the mixture with probability <paramref name="InclusionProbability"/>,
/// and its proportion is then exponential with mean <paramref name="SlabMean"/>.
/// </summary>
public sealed record MixturePrior(double InclusionProbability, double SlabMean)
{
    /// <summary>
    /// The empirical-Bayes prior given s interventions found in the mixture: inclusion (s + 1) / (C + 2) over the
    /// C = states - nodes candidates (Laplace's rule of succession, never 0 or 1), slab mean 1 / (s + 1) (the mean
    /// weight of the s + 1 components, pi_phi included, under a flat Dirichlet on their weights).
    /// </summary>
    public static MixturePrior ForInterventions(BayesianNetwork network, int interventions)
    {
        var candidates = Math.Max(network.StateCount - network.Count, 1);
        return new MixturePrior((interventions + 1.0) / (candidates + 2.0), 1.0 / (interventions + 1));
    }

    /// <summary><see cref="ForInterventions"/> with s = the non-zero entries of <paramref name="pi"/>.</summary>
    public static MixturePrior FromProportions(BayesianNetwork network, ReadOnlySpan<double> pi)
    {
        var s = 0;
        foreach (var p in pi) if (p > 0) s++;
        return ForInterventions(network, s);
    }
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
/// Robust (estimated marginals from m samples): node by node, the multinomial chi-square with weights
/// m / p̂_k (the generalised least squares of a multinomial marginal; with one state per node left out
/// the system is square, so the weights act through the supports and the prior), x &gt;= 0, and at least
/// one state left out (assumption 1). Noise alone cannot tell a small proportion from none, so the
/// estimate is the posterior mode under a spike-and-slab prior (<see cref="MixturePrior"/>): each support
/// S is scored by -2 log of its Laplace-approximated marginal likelihood,
/// chi2(x_S) + 2 sum(x_S) / mu + ln det(A_S' W A_S) + |S| (2 ln mu - ln 2 pi + 2 ln((1 - w) / w)) - 2 ln((K - |S|) / K),
/// where x_S is the mode on S (the slab's exponential density shrinks each proportion by its variance / mu,
/// which matters only where the data barely identify it, e.g. do(X = a) on a state X takes 99% of the time),
/// the determinant is the Occam factor (a per-proportion penalty that grows with its precision, as BIC's
/// ln m), and the last term counts the left-out states a support allows. The hyperparameters w and mu are
/// estimated from the data (empirical Bayes, George and Foster 2000): start with none of the interventions
/// in the mixture, solve every node, set the prior from the number found, and repeat until that number
/// is stable. A fixed penalty (such as the risk-inflation 2 ln N we used before) is right for one sparsity
/// only: too strict when half the candidates are in the mixture, too lenient when few are. Supports are
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

    /// <summary>Most solve passes of the empirical-Bayes iteration (it settles in two to seven on ALARM).</summary>
    public const int MaxPriorPasses = 50;

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

        if (method == MixtureMethod.Exact) return SolveExact(oracle, mixture);

        // Empirical Bayes: re-solve under the prior the last pass implies until the intervention count settles.
        var prior = MixturePrior.ForInterventions(net, 0);
        var pi = new double[net.StateCount];
        // A node's factorizations depend on its weights only, not on the prior or its target: shared by the passes.
        var designs = new NodeDesign[net.Count];
        for (var j = 0; j < designs.Length; j++)
            designs[j] = new NodeDesign(oracle.Base(j), RobustWeights(mixture.Of(j), mixture.Samples!.Value));
        for (var pass = 1; pass <= MaxPriorPasses; pass++)
        {
            SolveRobustPass(oracle, mixture, prior, designs, pi);
            var next = MixturePrior.FromProportions(net, pi);
            if (next == prior) break;
            prior = next;
        }
        var total = Sum(pi);
        if (total > 1)
        {
            // Noise can push the estimates over the simplex; scale back onto it.
            for (var g = 0; g < pi.Length; g++) pi[g] /= total;
            total = 1;
        }
        return new MixtureSolution(net, Math.Max(0, 1 - total), pi, method);
    }

    /// <summary>One robust pass: every node in topological order under <paramref name="prior"/>, overwriting <paramref name="pi"/>.</summary>
    private static void SolveRobustPass(InterventionalMarginals oracle, MixtureMarginals mixture, MixturePrior prior, NodeDesign[] designs, double[] pi)
    {
        var net = oracle.Network;
        Array.Clear(pi);
        var b = new double[net.Variables.Max(v => v.Cardinality)];
        foreach (var j in net.TopologicalOrder)
        {
            var v = net.Variables[j];
            var bj = b.AsSpan(0, v.Cardinality);
            NodeTarget(oracle, j, mixture.Values, pi, bj);
            var problem = new NodeProblem(designs[j], bj, prior);
            var best = v.Cardinality <= ExhaustiveLimit ? problem.BestSubset() : problem.Greedy();
            best.CopyTo(pi, v.StateOffset);
        }
    }

    private static MixtureSolution SolveExact(InterventionalMarginals oracle, MixtureMarginals mixture)
    {
        var net = oracle.Network;
        var pi = new double[net.StateCount];
        var total = 0.0;
        var b = new double[net.Variables.Max(v => v.Cardinality)];
        foreach (var j in net.TopologicalOrder)
        {
            var v = net.Variables[j];
            var bj = b.AsSpan(0, v.Cardinality);
            NodeTarget(oracle, j, mixture.Values, pi, bj);
            var x = pi.AsSpan(v.StateOffset, v.Cardinality);
            SolveNodeExact(v, oracle.Base(j), bj, x);
            total += Sum(x);
            if (total > 1 + ExactTolerance)
                throw new InputException(
                    $"node '{v.Name}': the marginals are inconsistent: the intervention proportions up to this node already sum to {total.ToString("R", CultureInfo.InvariantCulture)} > 1");
        }
        return new MixtureSolution(net, Math.Max(0, 1 - Sum(pi)), pi, MixtureMethod.Exact);
    }

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
    /// Robust estimate for one node: over x &gt;= 0 with at least one zero, the posterior mode of the support with
    /// the highest Laplace-approximated marginal likelihood under <paramref name="prior"/> (see <see cref="MixtureSolver"/>),
    /// the likelihood being the weighted residual sum_k w_k ((x - a 1'x)_k - b_k)^2.
    /// </summary>
    public static void SolveNodeRobust(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> w, MixturePrior prior, Span<double> x)
    {
        var problem = new NodeProblem(new NodeDesign(a, w), b, prior);
        var best = a.Length <= ExhaustiveLimit ? problem.BestSubset() : problem.Greedy();
        x.Clear();
        best.CopyTo(x);
    }

    internal static double[] SolveNodeRobust(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> w, MixturePrior prior, bool exhaustive)
    {
        var problem = new NodeProblem(new NodeDesign(a, w), b, prior);
        return exhaustive ? problem.BestSubset() : problem.Greedy();
    }

    private static double Sum(ReadOnlySpan<double> x)
    {
        var s = 0.0;
        foreach (var v in x) s += v;
        return s;
    }

    /// <summary>
    /// What a node's supports share across targets and priors: A = I - a 1', the weights, A'WA, and MathNet's
    /// Householder QR of each support's weighted columns W^(1/2) A_S (not the normal equations, whose condition
    /// number is the square of this one: rare states carry weights m / p up to 2m), computed once per support.
    /// </summary>
    private sealed class NodeDesign
    {
        public NodeDesign(ReadOnlySpan<double> a, ReadOnlySpan<double> w)
        {
            K = a.Length;
            A = a.ToArray();
            W = w.ToArray();
            G = new double[K, K];
            for (var r = 0; r < K; r++)
                for (var l = 0; l < K; l++)
                {
                    var arl = (r == l ? 1 : 0) - A[r];
                    for (var m = l; m < K; m++)
                        G[l, m] += W[r] * arl * ((r == m ? 1 : 0) - A[r]);
                }
            for (var l = 0; l < K; l++)
                for (var m = 0; m < l; m++) G[l, m] = G[m, l];
        }

        public int K { get; }

        public double[] A { get; }

        public double[] W { get; }

        /// <summary>A' W A.</summary>
        public double[,] G { get; }

        private readonly Dictionary<ulong, Factor?> _factors = [];

        /// <summary>
        /// The support's factorization, or null when its columns are (nearly) dependent: a support holding every
        /// state the network can take is rank deficient, since the columns of A sum to a multiple of a.
        /// </summary>
        public Factor? FactorOf(ReadOnlySpan<int> support)
        {
            // Memoised by support bit mask, which fixes the column order only for ascending supports (nodes beyond
            // 64 states and other orders are refactored each time).
            ulong key = 0;
            var cacheable = K <= 64;
            for (var t = 0; t < support.Length && cacheable; t++)
            {
                cacheable = t == 0 || support[t] > support[t - 1];
                key |= 1UL << support[t];
            }
            if (cacheable && _factors.TryGetValue(key, out var known)) return known;
            var n = support.Length;
            var design = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(K, n);
            for (var r = 0; r < K; r++)
            {
                var root = Math.Sqrt(W[r]);
                for (var t = 0; t < n; t++) design[r, t] = root * ((r == support[t] ? 1 : 0) - A[r]);
            }
            var qr = design.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
            Factor? factor = new(qr, 0);
            // Relative pivot test on R (1e-6 here is the 1e-12 the normal equations' pivots were held to).
            var logDet = 0.0;
            for (var t = 0; t < n && factor is not null; t++)
            {
                if (Math.Abs(qr.R[t, t]) <= 1e-6 * design.Column(t).L2Norm()) factor = null;
                else logDet += 2 * Math.Log(Math.Abs(qr.R[t, t]));
            }
            if (factor is not null) factor = factor with { LogDet = logDet };
            if (cacheable) _factors[key] = factor;
            return factor;
        }
    }

    /// <summary>A support's QR and ln det(A_S' W A_S) = ln prod R_tt^2.</summary>
    private sealed record Factor(MathNet.Numerics.LinearAlgebra.Factorization.QR<double> Qr, double LogDet);

    /// <summary>One node's target b under a prior: the scores and modes of its supports.</summary>
    private sealed class NodeProblem
    {
        private readonly NodeDesign _d;
        private readonly int _k;
        private readonly double[] _a;
        private readonly double[] _b;
        private readonly double[] _w;
        private readonly double[,] _g; // A' W A
        private readonly double[] _h;  // A' W b
        private readonly MathNet.Numerics.LinearAlgebra.Vector<double> _rhs; // W^(1/2) b
        private readonly double _shrink; // 1 / mu: the slab's log-density slope
        private readonly double _perTerm; // -2 log of one proportion's prior mass and density scale, without its Occam factor

        public NodeProblem(NodeDesign design, ReadOnlySpan<double> b, MixturePrior prior)
        {
            if (!(prior.InclusionProbability is > 0 and < 1) || !(prior.SlabMean > 0))
                throw new ArgumentException($"the prior needs an inclusion probability in (0, 1) and a positive slab mean, not {prior}", nameof(prior));
            _d = design;
            _k = design.K;
            _a = design.A;
            _w = design.W;
            _g = design.G;
            _b = b.ToArray();
            _shrink = 1 / prior.SlabMean;
            var q = prior.InclusionProbability;
            _perTerm = 2 * Math.Log(prior.SlabMean) - Math.Log(2 * Math.PI) + 2 * Math.Log((1 - q) / q);
            _h = new double[_k];
            _rhs = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(_k);
            for (var r = 0; r < _k; r++)
            {
                _rhs[r] = Math.Sqrt(_w[r]) * _b[r];
                for (var l = 0; l < _k; l++) _h[l] += _w[r] * ((r == l ? 1 : 0) - _a[r]) * _b[r];
            }
        }

        /// <summary>Every support of size at most K - 1 whose mode is positive.</summary>
        public double[] BestSubset()
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
                if (Evaluate(support.AsSpan(0, n)) is not var (x, score)) continue;
                if (score < bestScore - 1e-12 * (1 + Math.Abs(bestScore)))
                {
                    bestScore = score;
                    best = x;
                }
            }
            return best;
        }

        /// <summary>For each left-out state: non-negative mode, then drop variables while the score falls.</summary>
        public double[] Greedy()
        {
            var best = new double[_k];
            var bestScore = Chi(best);
            for (var zero = 0; zero < _k; zero++)
            {
                var allowed = Enumerable.Range(0, _k).Where(l => l != zero).ToList();
                if (Scored(Nnls(allowed)) is not var (x, score)) continue;
                while (true)
                {
                    (double[] X, double Score)? bestDrop = null;
                    foreach (var l in x.Select((v, i) => (v, i)).Where(e => e.v > 0).Select(e => e.i).ToList())
                    {
                        var reduced = Enumerable.Range(0, _k).Where(u => u != l && x[u] > 0).ToList();
                        if (Scored(Nnls(reduced)) is { } y && y.Score < (bestDrop?.Score ?? score)) bestDrop = y;
                    }
                    if (bestDrop is not var (bx, bs)) break;
                    (x, score) = (bx, bs);
                }
                if (score < bestScore - 1e-12 * (1 + Math.Abs(bestScore)))
                {
                    bestScore = score;
                    best = x;
                }
            }
            return best;
        }

        /// <summary>The score of a non-negative x (its support refitted for the Occam factor).</summary>
        private (double[] X, double Score)? Scored(double[] x)
        {
            var support = Enumerable.Range(0, _k).Where(l => x[l] > 0).ToArray();
            return support.Length == 0 ? (x, Chi(x)) : Evaluate(support);
        }

        /// <summary>The mode on a support and its score, or null when the support is singular or its mode not positive.</summary>
        private (double[] X, double Score)? Evaluate(ReadOnlySpan<int> support)
        {
            if (Mode(support) is not var (z, logDet) || z.Any(v => v <= 0)) return null;
            var x = new double[_k];
            for (var t = 0; t < support.Length; t++) x[support[t]] = z[t];
            var n = support.Length;
            var score = Chi(x) + 2 * _shrink * z.Sum() + logDet + n * _perTerm - 2 * Math.Log((_k - n) / (double)_k);
            return (x, score);
        }

        /// <summary>Lawson-Hanson active-set NNLS of the mode over the allowed columns: the gradient from A'WA and A'Wb - 1/mu, each sub-problem by QR.</summary>
        private double[] Nnls(List<int> allowed)
        {
            var x = new double[_k];
            var passive = new List<int>();
            for (var iter = 0; iter < 10 * _k + 10; iter++)
            {
                // Gradient of -(chi + 2 sum(x) / mu) / 2: h - 1/mu - G x.
                var bestL = -1;
                var bestG = 1e-13;
                foreach (var l in allowed)
                {
                    if (passive.Contains(l)) continue;
                    var g = _h[l] - _shrink;
                    for (var m = 0; m < _k; m++) g -= _g[l, m] * x[m];
                    if (g > bestG * (1 + Math.Abs(_h[l]))) { bestG = g; bestL = l; }
                }
                if (bestL < 0) break;
                passive.Add(bestL);
                passive.Sort(); // ascending: the order the factorizations are memoised in
                while (true)
                {
                    var z = Mode(passive.ToArray())?.Z;
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
        /// The unconstrained mode on a support, (A_S' W A_S) z = A_S' W b - 1/mu, with ln det(A_S' W A_S): the
        /// least-squares solution from the support's QR, shifted by R^-1 R'^-1 1/mu. Null for a singular support.
        /// </summary>
        private (double[] Z, double LogDet)? Mode(ReadOnlySpan<int> support)
        {
            if (_d.FactorOf(support) is not { } factor) return null;
            var n = support.Length;
            var rr = factor.Qr.R;
            var z = factor.Qr.Solve(_rhs).ToArray();
            // R' y = 1/mu (forward), then R c = y (back): c = (R'R)^-1 1/mu.
            var y = new double[n];
            for (var t = 0; t < n; t++)
            {
                var s = _shrink;
                for (var u = 0; u < t; u++) s -= rr[u, t] * y[u];
                y[t] = s / rr[t, t];
            }
            for (var t = n - 1; t >= 0; t--)
            {
                var s = y[t];
                for (var u = t + 1; u < n; u++) s -= rr[t, u] * y[u];
                y[t] = s / rr[t, t];
            }
            for (var t = 0; t < n; t++) z[t] -= y[t];
            return (z, factor.LogDet);
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
