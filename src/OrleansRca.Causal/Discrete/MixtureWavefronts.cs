namespace OrleansRca.Causal.Discrete;

/// <summary>
/// <see cref="MixtureSolver.Solve"/> cut into independent per-node solves, for solving the nodes of one
/// topological level in parallel (e.g. on a cluster) and still getting exactly the sequential result.
/// </summary>
/// <remarks>
/// <para>
/// Node j's right-hand side (<see cref="MixtureSolver.NodeTarget"/>) subtracts
/// (P(X_j | do(X_i = a)) - P(X_j)) pi_{i,a} for every i solved before j. That difference is zero unless X_i is
/// an ancestor of X_j, and <see cref="ExactInference"/> leaves the rows of non-descendants bit-for-bit
/// equal to the observational marginals, so their terms subtract exactly 0. Node j therefore needs only
/// its ancestors' proportions: the nodes of one level (longest path from a root) never depend on each
/// other, and <see cref="SolveNode"/> given only the ancestors' proportions gives the same bits as the
/// sequential solve, which sees every earlier node's.
/// </para>
/// <para>
/// What does not split is done by <see cref="Assemble"/>, in topological order as the sequential solve does
/// it: the exact method's check that the proportions so far do not exceed 1, the first error in that
/// order, the robust method's scaling back onto the simplex, and pi_phi.
/// </para>
/// <para>
/// The robust method repeats the solve under the empirical-Bayes prior of the previous pass
/// (<see cref="MixturePrior"/>) until the number of interventions found is stable; each pass splits as above,
/// and the prior between passes comes from the assembled solution (<see cref="MixturePrior.FromProportions"/>).
/// </para>
/// </remarks>
public static class MixtureWavefronts
{
    /// <summary>The same slack as <see cref="MixtureSolver"/>'s exact mode for the running total of the proportions.</summary>
    private const double ExactTolerance = 1e-9;

    /// <summary><see cref="MixtureMethod.Auto"/> made concrete, as <see cref="MixtureSolver.Solve"/> does.</summary>
    /// <exception cref="InputException">Robust without a sample count.</exception>
    public static MixtureMethod ResolveMethod(MixtureMethod method, MixtureMarginals mixture)
    {
        if (method == MixtureMethod.Auto)
            method = mixture.Samples is null ? MixtureMethod.Exact : MixtureMethod.Robust;
        if (method == MixtureMethod.Robust && mixture.Samples is null)
            throw new InputException("the robust estimator needs the number of samples ('samples' in the mixture file)");
        return method;
    }

    /// <summary>
    /// The nodes by level: level 0 holds the roots, level L the nodes whose longest path from a root has L
    /// edges. Every parent sits in an earlier level; each level lists its nodes in topological order.
    /// </summary>
    public static int[][] Levels(BayesianNetwork network) => Graphs.Dag.Levels(network.TopologicalOrder, network.ParentLists);

    /// <summary>The strict ancestors of <paramref name="node"/>, ascending.</summary>
    public static int[] Ancestors(BayesianNetwork network, int node) => Graphs.Dag.Strict(node, network.ParentLists);

    /// <summary>
    /// Node <paramref name="node"/>'s proportions pi_{node, .} (in its state order), given the proportions of
    /// its ancestors in <paramref name="pi"/> (network-wide numbering; entries of other nodes are ignored) and,
    /// for the robust method, the pass's prior (null: the first pass's, <see cref="MixturePrior.ForInterventions"/> with none).
    /// </summary>
    /// <exception cref="InputException">Exact method: inconsistent or non-identifiable at this node (naming it).</exception>
    public static double[] SolveNode(InterventionalMarginals oracle, MixtureMarginals mixture, MixtureMethod method, int node, ReadOnlySpan<double> pi,
        MixturePrior? prior = null)
    {
        var net = oracle.Network;
        if (!ReferenceEquals(net, mixture.Network))
            throw new ArgumentException("the mixture marginals were read for another network", nameof(mixture));
        if (pi.Length != net.StateCount)
            throw new ArgumentException($"{pi.Length} proportions for {net.StateCount} states", nameof(pi));
        if (method == MixtureMethod.Auto)
            throw new ArgumentException("resolve the method first (ResolveMethod)", nameof(method));

        // Only the ancestors' proportions: what this node's solve depends on, and all it may read.
        var known = new double[net.StateCount];
        foreach (var i in Ancestors(net, node))
        {
            var v = net.Variables[i];
            pi.Slice(v.StateOffset, v.Cardinality).CopyTo(known.AsSpan(v.StateOffset, v.Cardinality));
        }

        var variable = net.Variables[node];
        var b = new double[variable.Cardinality];
        MixtureSolver.NodeTarget(oracle, node, mixture.Values, known, b);
        var x = new double[variable.Cardinality];
        if (method == MixtureMethod.Exact)
        {
            MixtureSolver.SolveNodeExact(variable, oracle.Base(node), b, x);
        }
        else
        {
            var samples = mixture.Samples ?? throw new InputException("the robust estimator needs the number of samples ('samples' in the mixture file)");
            var weights = MixtureSolver.RobustWeights(mixture.Of(node), samples);
            MixtureSolver.SolveNodeRobust(oracle.Base(node), b, weights, prior ?? MixturePrior.ForInterventions(net, 0), x);
        }
        return x;
    }

    /// <summary>
    /// The solution from every node's proportions (<paramref name="perNode"/>[j], in node j's state order) or
    /// its error (<paramref name="errors"/>[j], the message of its <see cref="InputException"/>), walking the
    /// nodes in topological order exactly as <see cref="MixtureSolver.Solve"/> does: the first error met, or
    /// the first node at which the exact proportions exceed 1, is thrown.
    /// </summary>
    /// <exception cref="InputException">As the sequential solve would throw it.</exception>
    /// <exception cref="ArgumentException">A node reached in the walk has neither proportions nor an error.</exception>
    public static MixtureSolution Assemble(BayesianNetwork network, MixtureMethod method, IReadOnlyList<double[]?> perNode, IReadOnlyList<string?>? errors = null)
    {
        if (method == MixtureMethod.Auto)
            throw new ArgumentException("resolve the method first (ResolveMethod)", nameof(method));
        if (perNode.Count != network.Count)
            throw new ArgumentException($"{perNode.Count} node solutions for {network.Count} nodes", nameof(perNode));
        var pi = new double[network.StateCount];
        var total = 0.0;
        foreach (var j in network.TopologicalOrder)
        {
            var v = network.Variables[j];
            if (errors?[j] is { } error) throw new InputException(error);
            var x = perNode[j] ?? throw new ArgumentException($"node '{v.Name}' has neither proportions nor an error", nameof(perNode));
            if (x.Length != v.Cardinality)
                throw new ArgumentException($"node '{v.Name}': {x.Length} proportions for {v.Cardinality} states", nameof(perNode));
            x.CopyTo(pi, v.StateOffset);
            if (method == MixtureMethod.Exact)
            {
                total += Sum(x);
                if (total > 1 + ExactTolerance)
                    throw new InputException(
                        $"node '{v.Name}': the marginals are inconsistent: the intervention proportions up to this node already sum to {total.ToString("R", CultureInfo.InvariantCulture)} > 1");
            }
        }

        total = Sum(pi);
        if (method == MixtureMethod.Robust && total > 1)
        {
            for (var g = 0; g < pi.Length; g++) pi[g] /= total;
            total = 1;
        }
        return new MixtureSolution(network, Math.Max(0, 1 - total), pi, method);
    }

    /// <summary>The sequential solve done level by level through <see cref="SolveNode"/> and <see cref="Assemble"/> (for tests and single-process use).</summary>
    public static MixtureSolution Solve(InterventionalMarginals oracle, MixtureMarginals mixture, MixtureMethod method = MixtureMethod.Auto)
    {
        var net = oracle.Network;
        method = ResolveMethod(method, mixture);
        var prior = MixturePrior.ForInterventions(net, 0);
        for (var pass = 1; ; pass++)
        {
            var solution = SolvePass(oracle, mixture, method, prior);
            if (method == MixtureMethod.Exact || pass == MixtureSolver.MaxPriorPasses) return solution;
            var next = MixturePrior.FromProportions(net, [.. solution.Pi]);
            if (next == prior) return solution;
            prior = next;
        }
    }

    private static MixtureSolution SolvePass(InterventionalMarginals oracle, MixtureMarginals mixture, MixtureMethod method, MixturePrior prior)
    {
        var net = oracle.Network;
        var perNode = new double[]?[net.Count];
        var errors = new string?[net.Count];
        var pi = new double[net.StateCount];
        foreach (var level in Levels(net))
            foreach (var j in level)
            {
                if (Ancestors(net, j).Any(i => errors[i] is not null || perNode[i] is null)) continue;
                try
                {
                    perNode[j] = SolveNode(oracle, mixture, method, j, pi, prior);
                    perNode[j]!.CopyTo(pi, net.Variables[j].StateOffset);
                }
                catch (InputException e)
                {
                    errors[j] = e.Message;
                }
            }
        return Assemble(net, method, perNode, errors);
    }

    private static double Sum(ReadOnlySpan<double> x)
    {
        var s = 0.0;
        foreach (var v in x) s += v;
        return s;
    }
}
