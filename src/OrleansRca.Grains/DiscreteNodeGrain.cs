using Orleans.Placement;
using OrleansRca.Causal.Discrete;

namespace OrleansRca.Grains;

/// <summary>
/// One node of a discrete analysis. Marginals phase: P(X | do(X_node = a)) for its states, by graph surgery
/// on the silo's compiled junction tree. Mixture phase: its own per-node linear system, given its
/// ancestors' proportions. Thin: every answer is one call into <c>OrleansRca.Causal</c>.
/// Random placement spreads a wavefront over the silos.
/// </summary>
[RandomPlacement]
public sealed class DiscreteNodeGrain(AnalysisCache cache) : Grain, IDiscreteNodeGrain
{
    private DiscreteCache Discrete => cache.Discrete;

    async Task<InterventionRows> IDiscreteNodeGrain.InterveneAsync(InterventionWork work)
    {
        var (baseFlat, rows) = await Discrete.WithInferenceAsync(work.AnalysisId, inference =>
        {
            var net = inference.Network;
            var s = net.StateCount;
            var observational = Flatten(net, inference.Marginals());
            var table = new double[(long)work.States.Length * s];
            for (var r = 0; r < work.States.Length; r++)
                Flatten(net, inference.Marginals(work.Node, work.States[r]), table.AsSpan(r * s, s));
            return (observational, table);
        });
        return new InterventionRows(work.Node, work.States, baseFlat, rows, Discrete.Silo);
    }

    async Task<NodeSolution> IDiscreteNodeGrain.SolveAsync(NodeSolveWork work)
    {
        var request = await Discrete.GetRequestAsync(work.AnalysisId) as DisentanglementRequest
            ?? throw new InvalidOperationException($"analysis '{work.AnalysisId}' is not a disentanglement");
        var oracle = await Discrete.GetOracleAsync(work.AnalysisId);
        var pi = await Discrete.ComputeAsync(() =>
        {
            var known = new double[request.Network.StateCount];
            for (var t = 0; t < work.KnownStates.Length; t++) known[work.KnownStates[t]] = work.KnownPi[t];
            return MixtureWavefronts.SolveNode(oracle, request.Mixture, request.Method, work.Node, known, new MixturePrior(work.InclusionProbability, work.SlabMean));
        });
        return new NodeSolution(work.Node, pi, Discrete.Silo);
    }

    Task<string> IDiscreteNodeGrain.GetSiloAsync() => Task.FromResult(Discrete.Silo);

    /// <summary>Per-variable marginals concatenated in the network-wide state numbering.</summary>
    private static double[] Flatten(BayesianNetwork net, double[][] marginals)
    {
        var flat = new double[net.StateCount];
        Flatten(net, marginals, flat);
        return flat;
    }

    private static void Flatten(BayesianNetwork net, double[][] marginals, Span<double> flat)
    {
        foreach (var v in net.Variables) marginals[v.Index].CopyTo(flat.Slice(v.StateOffset, v.Cardinality));
    }
}
