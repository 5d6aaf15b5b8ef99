using OrleansRca.Causal.Discrete;

namespace OrleansRca.Grains.Workflows;

/// <summary>
/// marginals: one piece on the intervened node's grain (or, without an intervention, the first root's).
/// disentanglement: (1) interventional marginals, one piece per intervened node (all its states) on that
/// node's grain, gathered into <c>InterventionalMarginals</c>; (2) the mixture solved node by node in
/// topological wavefronts: the nodes of one level in parallel on their node grains, each given only its
/// ancestors' proportions (<c>MixtureWavefronts</c> explains why that gives the sequential solve's bits);
/// (3) the core assembles the solution in topological order; the robust method repeats (2) and (3) under the
/// empirical-Bayes prior of the previous pass until it is stable. The result equals <c>MixtureSolver.Solve</c>.
/// Pieces: <c>base</c> (P(X)), <c>do:i</c> (P(X | do(X_i = a)) for each state a, row-major), <c>pi:p:j</c> (pass p).
/// </summary>
public sealed class DiscreteWorkflow(DiscreteSpec spec) : IAnalysisWorkflow
{
    /// <summary>The gathered marginals served to the solving silos (rebuilt from the pieces after a reactivation).</summary>
    public DiscreteOracle? Oracle { get; private set; }

    public async Task ValidateAsync(WorkflowContext context, CancellationToken cancellationToken) =>
        await context.Cache.Discrete.GetRequestAsync(context.AnalysisId, spec);

    public async Task<string> RunAsync(WorkflowContext context, CancellationToken ct)
    {
        try
        {
            var parsed = await context.Cache.Discrete.GetRequestAsync(context.AnalysisId, spec);
            context.Running();
            await context.SaveAsync();
            return parsed switch
            {
                MarginalsRequest m => await RunMarginalsAsync(context, m, ct),
                DisentanglementRequest d => await RunDisentanglementAsync(context, d, ct),
                _ => throw new InvalidOperationException($"analysis '{context.AnalysisId}': unexpected request {parsed.GetType().Name}"),
            };
        }
        finally
        {
            Oracle = null;
        }
    }

    private static IDiscreteNodeGrain NodeGrain(WorkflowContext context, BayesianNetwork network, int node) =>
        context.Grains.GetGrain<IDiscreteNodeGrain>(GrainKeys.Node(context.AnalysisId, network.Variables[node].Name));

    private static async Task<string> RunMarginalsAsync(WorkflowContext context, MarginalsRequest request, CancellationToken ct)
    {
        var net = request.Network;
        var (node, states) = request.Do is { } d ? (d.Node, new[] { d.State }) : (net.TopologicalOrder[0], Array.Empty<int>());
        var rows = await context.CallAsync($"marginals on '{net.Variables[node].Name}'",
            () => NodeGrain(context, net, node).InterveneAsync(new InterventionWork(context.AnalysisId, node, states)), ct);
        return request.ToJson(request.Do is null ? rows.Base : rows.Rows).ToJsonString();
    }

    private async Task<string> RunDisentanglementAsync(WorkflowContext context, DisentanglementRequest request, CancellationToken ct)
    {
        var net = request.Network;
        var n = net.Count;
        var s = net.StateCount;
        var pieces = context.Pieces;

        // (1) Interventional marginals: one piece per intervened node, every node's grain at once.
        var missing = Enumerable.Range(0, n).Where(i => !pieces.ContainsKey($"do:{i}")).ToList();
        await WorkflowContext.FanOutAsync(missing, async i =>
        {
            var v = net.Variables[i];
            var rows = await context.CallAsync($"interventions on '{v.Name}'",
                () => NodeGrain(context, net, i).InterveneAsync(new InterventionWork(context.AnalysisId, i, [.. Enumerable.Range(0, v.Cardinality)])), ct);
            if (rows.Base.Length != s || rows.Rows.Length != (long)v.Cardinality * s)
                throw new InvalidOperationException($"interventions on '{v.Name}': {rows.Rows.Length} values for {v.Cardinality} x {s}");
            pieces.TryAdd("base", rows.Base);
            pieces[$"do:{i}"] = rows.Rows;
            context.Progress = 0.5 * Enumerable.Range(0, n).Count(k => pieces.ContainsKey($"do:{k}")) / n;
            await context.SaveSoonAsync();
        }, ct);
        await context.SaveAsync();
        Oracle = Gather(net, pieces);

        // (2) and (3), pass by pass: the robust prior of pass p + 1 comes from pass p's assembled solution.
        var ancestors = Enumerable.Range(0, n).Select(j => MixtureWavefronts.Ancestors(net, j)).ToArray();
        var prior = MixturePrior.ForInterventions(net, 0);
        for (var pass = 1; ; pass++)
        {
            var solution = await SolvePassAsync(context, request, ancestors, pass, prior, ct);
            if (request.Method == MixtureMethod.Exact || pass == MixtureSolver.MaxPriorPasses)
                return solution.ToJson().ToJsonString();
            var next = MixturePrior.FromProportions(net, [.. solution.Pi]);
            if (next == prior) return solution.ToJson().ToJsonString();
            prior = next;
        }
    }

    private static async Task<MixtureSolution> SolvePassAsync(WorkflowContext context, DisentanglementRequest request, int[][] ancestors, int pass,
        MixturePrior prior, CancellationToken ct)
    {
        var net = request.Network;
        var n = net.Count;
        var pieces = context.Pieces;

        // (2) The per-node systems, one topological level at a time; a node needs only its ancestors' proportions.
        var perNode = new double[]?[n];
        for (var j = 0; j < n; j++) perNode[j] = pieces.GetValueOrDefault($"pi:{pass}:{j}");
        var errors = new string?[n];
        foreach (var level in MixtureWavefronts.Levels(net))
        {
            // A node below a failed one is never solved: the walk in (3) stops at the failure first.
            var ready = level.Where(j => perNode[j] is null && ancestors[j].All(i => perNode[i] is not null)).ToList();
            await WorkflowContext.FanOutAsync(ready, async j =>
            {
                var known = ancestors[j]
                    .SelectMany(i => perNode[i]!.Select((pi, a) => (State: net.Variables[i].StateOffset + a, Pi: pi)))
                    .Where(e => e.Pi != 0)
                    .ToList();
                var work = new NodeSolveWork(context.AnalysisId, j, [.. known.Select(e => e.State)], [.. known.Select(e => e.Pi)],
                    prior.InclusionProbability, prior.SlabMean);
                try
                {
                    var solution = await context.CallAsync($"mixture system of '{net.Variables[j].Name}'", () => NodeGrain(context, net, j).SolveAsync(work), ct);
                    perNode[j] = solution.Pi;
                    pieces[$"pi:{pass}:{j}"] = solution.Pi;
                    // The pass count is not known ahead: pass p fills half of what is left, [1 - 2^-p, 1 - 2^-(p+1)].
                    context.Progress = 1 - Math.Pow(0.5, pass) * (1 - 0.5 * perNode.Count(p => p is not null) / n);
                    await context.SaveSoonAsync();
                }
                catch (BadInputException e)
                {
                    // Kept for the walk in (3): an earlier node in topological order may fail first.
                    errors[j] = e.Message;
                }
            }, ct);
        }
        await context.SaveAsync();

        // (3) Assembled in topological order, exactly as the sequential solve checks and scales.
        return MixtureWavefronts.Assemble(net, request.Method, perNode, errors);
    }

    /// <summary>The pieces as <c>InterventionalMarginals</c>' plain arrays: row g = do(state g), in the network-wide numbering.</summary>
    private static DiscreteOracle Gather(BayesianNetwork net, Dictionary<string, double[]> pieces)
    {
        var s = net.StateCount;
        var table = new double[(long)s * s];
        foreach (var v in net.Variables)
            pieces[$"do:{v.Index}"].CopyTo(table, (long)v.StateOffset * s);
        return new DiscreteOracle(pieces.GetValueOrDefault("base") ?? throw new InvalidOperationException("no observational marginals"), table);
    }
}
