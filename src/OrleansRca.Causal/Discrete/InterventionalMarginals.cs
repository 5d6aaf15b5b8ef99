namespace OrleansRca.Causal.Discrete;

/// <summary>
/// The marginal oracle of a network: P(X_j) and P(X_j | do(X_i = a)) for all i, a, j, indexed by the
/// network-wide state numbering (<see cref="DiscreteVariable.StateOffset"/> + state).
/// </summary>
public sealed class InterventionalMarginals
{
    private readonly double[] _base;
    private readonly double[] _do;

    internal InterventionalMarginals(BayesianNetwork network, double[] baseFlat, double[] doTable)
    {
        Network = network;
        _base = baseFlat;
        _do = doTable;
    }

    /// <summary>
    /// Wraps precomputed marginals (e.g. received as plain arrays from another process):
    /// <paramref name="baseFlat"/> has one entry per network-wide state, <paramref name="doTable"/> one row of
    /// that length per intervention, rows in the same numbering. The arrays are used, not copied.
    /// </summary>
    public static InterventionalMarginals Create(BayesianNetwork network, double[] baseFlat, double[] doTable)
    {
        var s = network.StateCount;
        if (baseFlat.Length != s)
            throw new ArgumentException($"{baseFlat.Length} base marginals for {s} states", nameof(baseFlat));
        if (doTable.LongLength != (long)s * s)
            throw new ArgumentException($"{doTable.LongLength} interventional marginals, expected {s} x {s}", nameof(doTable));
        return new InterventionalMarginals(network, baseFlat, doTable);
    }

    /// <summary>The network the marginals belong to.</summary>
    public BayesianNetwork Network { get; }

    /// <summary>P(X_node), in state order.</summary>
    public ReadOnlySpan<double> Base(int node)
    {
        var v = Network.Variables[node];
        return _base.AsSpan(v.StateOffset, v.Cardinality);
    }

    /// <summary>P(X_target | do(X_node = state)), in the target's state order.</summary>
    public ReadOnlySpan<double> Do(int node, int state, int target)
    {
        var g = Network.Variables[node].StateOffset + state;
        var t = Network.Variables[target];
        return _do.AsSpan((int)((long)g * Network.StateCount + t.StateOffset), t.Cardinality);
    }

    /// <summary>Every interventional marginal: row g (an intervention) times column t (a state), row-major.</summary>
    public ReadOnlySpan<double> DoTable => _do;

    /// <summary>All observational marginals, concatenated in the network-wide state numbering.</summary>
    public ReadOnlySpan<double> BaseAll => _base;

    /// <summary>All marginals under the intervention with network-wide state number <paramref name="globalState"/>, concatenated.</summary>
    public ReadOnlySpan<double> DoAll(int globalState) =>
        _do.AsSpan((int)((long)globalState * Network.StateCount), Network.StateCount);

    /// <summary>
    /// The marginals of the mixture <c>piPhi * P + sum_g pi[g] * P_do(g)</c> (exact, no sampling), in the
    /// network-wide state numbering.
    /// </summary>
    public double[] Mix(double piPhi, ReadOnlySpan<double> pi)
    {
        if (pi.Length != Network.StateCount)
            throw new ArgumentException($"pi has {pi.Length} entries, the network has {Network.StateCount} states", nameof(pi));
        var s = Network.StateCount;
        var result = new double[s];
        for (var t = 0; t < s; t++) result[t] = piPhi * _base[t];
        for (var g = 0; g < s; g++)
        {
            if (pi[g] == 0) continue;
            var row = DoAll(g);
            for (var t = 0; t < s; t++) result[t] += pi[g] * row[t];
        }
        return result;
    }
}
