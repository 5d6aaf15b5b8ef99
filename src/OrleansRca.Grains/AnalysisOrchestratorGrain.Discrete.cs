using OrleansRca.Abstractions;
using OrleansRca.Causal.Discrete;
using OrleansRca.Causal.Requests;

namespace OrleansRca.Grains;

/// <summary>
/// The finished pieces of a discrete analysis, persisted so a reactivated orchestrator recomputes only
/// what is missing: the interventional marginals per intervened node, then the proportions per solved node.
/// </summary>
[GenerateSerializer, Alias("rca.DiscreteProgressState")]
public sealed class DiscreteProgressState
{
    /// <summary>P(X) in the network-wide state numbering (from the first marginals piece).</summary>
    [Id(0)] public double[]? Base { get; set; }
    /// <summary>By intervened node i: P(X | do(X_i = a)) for each of its states a, row-major (K_i rows of S).</summary>
    [Id(1)] public Dictionary<int, double[]> DoRows { get; set; } = [];
    /// <summary>By solved node j: pi_{j, .} in its state order.</summary>
    [Id(2)] public Dictionary<int, double[]> NodePi { get; set; } = [];
}

// The discrete workflows. marginals: one piece on the intervened node's grain (or, without an
// intervention, the first root's). disentanglement: (1) interventional marginals, one piece per
// intervened node (all its states) on that node's grain, gathered into InterventionalMarginals;
// (2) the mixture solved node by node in topological wavefronts: the nodes of one level (longest path
// from a root) in parallel on their node grains, each given only its ancestors' proportions
// (MixtureWavefronts explains why that gives the sequential solve's bits); (3) the core assembles the
// solution in topological order. The result equals MixtureSolver.Solve on the same request.
public sealed partial class AnalysisOrchestratorGrain : IDiscreteAnalysisGrain
{
    /// <summary>The gathered marginals served to the solving silos (rebuilt from the persisted pieces after a reactivation).</summary>
    private DiscreteOracle? _oracle;

    private DiscreteCache Discrete => cache.Discrete;

    Task<DiscreteOracle> IDiscreteAnalysisGrain.GetOracleAsync() =>
        _oracle is { } oracle
            ? Task.FromResult(oracle)
            : throw new InvalidOperationException($"analysis '{Id}' has not gathered its interventional marginals (yet)");

    /// <summary>Parses and validates at submission (an <c>InputException</c> propagates) and seeds this silo's cache.</summary>
    private void ValidateDiscrete(string kind, string requestJson)
    {
        var parsed = DiscreteCache.ParseRequest(kind, requestJson);
        Discrete.PrimeRequest(Id, () => parsed);
    }

    private async Task<string> RunDiscreteAsync(string kind, string requestJson, CancellationToken ct)
    {
        try
        {
            Discrete.PrimeRequest(Id, () => DiscreteCache.ParseRequest(kind, requestJson));
            var parsed = await Discrete.GetRequestAsync(Id);
            progress.State.Stage = AnalysisStage.Running;
            progress.State.Discrete ??= new DiscreteProgressState();
            await SaveAsync();
            return parsed switch
            {
                MarginalsRequest m => await RunMarginalsAsync(m, ct),
                DisentanglementRequest d => await RunDisentanglementAsync(d, progress.State.Discrete, ct),
                _ => throw new InvalidOperationException($"analysis '{Id}': unexpected request {parsed.GetType().Name}"),
            };
        }
        finally
        {
            _oracle = null;
            Discrete.Forget(Id);
        }
    }

    private IDiscreteNodeGrain NodeGrain(BayesianNetwork network, int node) =>
        GrainFactory.GetGrain<IDiscreteNodeGrain>(GrainKeys.Node(Id, network.Variables[node].Name));

    private async Task<string> RunMarginalsAsync(MarginalsRequest request, CancellationToken ct)
    {
        var net = request.Network;
        var (node, states) = request.Do is { } d ? (d.Node, new[] { d.State }) : (net.TopologicalOrder[0], Array.Empty<int>());
        var rows = await CallAsync($"marginals on '{net.Variables[node].Name}'",
            () => NodeGrain(net, node).InterveneAsync(new InterventionWork(Id, node, states)), ct);
        return request.ToJson(request.Do is null ? rows.Base : rows.Rows).ToJsonString();
    }

    private async Task<string> RunDisentanglementAsync(DisentanglementRequest request, DiscreteProgressState done, CancellationToken ct)
    {
        var net = request.Network;
        var n = net.Count;
        var s = net.StateCount;

        // (1) Interventional marginals: one piece per intervened node, every node's grain at once.
        var missing = Enumerable.Range(0, n).Where(i => !done.DoRows.ContainsKey(i)).ToList();
        await FanOutAsync(missing, async i =>
        {
            var v = net.Variables[i];
            var rows = await CallAsync($"interventions on '{v.Name}'",
                () => NodeGrain(net, i).InterveneAsync(new InterventionWork(Id, i, [.. Enumerable.Range(0, v.Cardinality)])), ct);
            if (rows.Base.Length != s || rows.Rows.Length != (long)v.Cardinality * s)
                throw new InvalidOperationException($"interventions on '{v.Name}': {rows.Rows.Length} values for {v.Cardinality} x {s}");
            done.Base ??= rows.Base;
            done.DoRows[i] = rows.Rows;
            progress.State.Progress = 0.5 * done.DoRows.Count / n;
            await SaveSoonAsync();
        }, ct);
        await SaveAsync();
        _oracle = Gather(net, done);

        // (2) The per-node systems, one topological level at a time; a node needs only its ancestors' proportions.
        var ancestors = Enumerable.Range(0, n).Select(j => MixtureWavefronts.Ancestors(net, j)).ToArray();
        var perNode = new double[]?[n];
        foreach (var (j, pi) in done.NodePi) perNode[j] = pi;
        var errors = new string?[n];
        foreach (var level in MixtureWavefronts.Levels(net))
        {
            // A node below a failed one is never solved: the walk in (3) stops at the failure first.
            var ready = level.Where(j => perNode[j] is null && ancestors[j].All(i => perNode[i] is not null)).ToList();
            await FanOutAsync(ready, async j =>
            {
                var known = ancestors[j]
                    .SelectMany(i => perNode[i]!.Select((pi, a) => (State: net.Variables[i].StateOffset + a, Pi: pi)))
                    .Where(e => e.Pi != 0)
                    .ToList();
                var work = new NodeSolveWork(Id, j, [.. known.Select(e => e.State)], [.. known.Select(e => e.Pi)]);
                try
                {
                    var solution = await CallAsync($"mixture system of '{net.Variables[j].Name}'", () => NodeGrain(net, j).SolveAsync(work), ct);
                    perNode[j] = solution.Pi;
                    done.NodePi[j] = solution.Pi;
                    progress.State.Progress = 0.5 + 0.5 * done.NodePi.Count / n;
                    await SaveSoonAsync();
                }
                catch (BadInputException e)
                {
                    // Kept for the walk in (3): an earlier node in topological order may fail first.
                    errors[j] = e.Message;
                }
            }, ct);
        }
        await SaveAsync();

        // (3) Assembled in topological order, exactly as the sequential solve checks and scales.
        return MixtureWavefronts.Assemble(net, request.Method, perNode, errors).ToJson().ToJsonString();
    }

    /// <summary>The pieces as <c>InterventionalMarginals</c>' plain arrays: row g = do(state g), in the network-wide numbering.</summary>
    private static DiscreteOracle Gather(BayesianNetwork net, DiscreteProgressState done)
    {
        var s = net.StateCount;
        var table = new double[(long)s * s];
        foreach (var v in net.Variables)
            done.DoRows[v.Index].CopyTo(table, (long)v.StateOffset * s);
        return new DiscreteOracle(done.Base ?? throw new InvalidOperationException("no observational marginals"), table);
    }
}
