using OrleansRca.Causal.Counterfactuals;

namespace OrleansRca.Causal.RootCause;

/// <summary>
/// A causal model made ready for root-cause localization on normal data: every node has a mechanism
/// (given or fitted), its normal-noise distribution and its marginal distribution (for alerts on it).
/// Built node by node, so the per-node pieces can come from node grains (<see cref="FromFits"/>).
/// </summary>
public sealed class RootCauseModel
{
    public CausalModel Model { get; }
    public IReadOnlyList<NodeFit> Fits { get; }
    /// <summary>Each node's distribution of values in the normal data: is the node itself anomalous?</summary>
    public IReadOnlyList<NoiseDistribution> Marginals { get; }

    private RootCauseModel(CausalModel model, IReadOnlyList<NodeFit> fits, IReadOnlyList<NoiseDistribution> marginals)
    {
        Model = model;
        Fits = fits;
        Marginals = marginals;
    }

    /// <summary>Fits every node on <paramref name="normal"/> (no gaps), nodes in parallel.</summary>
    public static RootCauseModel Fit(CausalModel model, DataTable normal, int maxParallelism = -1)
    {
        var fits = new NodeFit[model.Count];
        var marginals = new NoiseDistribution[model.Count];
        var failures = new InputException?[model.Count];
        Parallel.For(0, model.Count, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism }, v =>
        {
            try
            {
                fits[v] = NodeFitter.Fit(model, v, normal);
                var column = normal[model.Graph.Names[v]];
                marginals[v] = NoiseDistribution.FromSample(column, column.Average(Math.Abs));
            }
            catch (InputException e)
            {
                failures[v] = e;
            }
        });
        // The first failing node in model order, whatever order the threads finished in.
        if (failures.FirstOrDefault(f => f is not null) is { } failure) throw failure;
        return FromFits(model, fits, marginals);
    }

    /// <summary>Assembles per-node fits made elsewhere (e.g. by node grains).</summary>
    public static RootCauseModel FromFits(CausalModel model, IReadOnlyList<NodeFit> fits, IReadOnlyList<NoiseDistribution> marginals)
    {
        var mechanisms = fits.Select(f => f.Mechanism).ToArray();
        return new RootCauseModel(model.WithMechanisms(mechanisms), fits, marginals);
    }

    /// <summary>Noise of each row: u = x − f(observed parents), node-indexed columns.</summary>
    public double[][] Abduct(DataTable rows) =>
        Propagator.Abduct(Model, Model.Graph.Names.Select(n => rows[n]).ToList());
}
