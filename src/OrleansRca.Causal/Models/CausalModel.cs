namespace OrleansRca.Causal.Models;

public enum NodeRole { Covariate, Treatment, Mediator, Outcome }

public enum NodeType { Continuous, Binary }

public sealed record NodeSpec(string Name, NodeRole Role, NodeType Type, bool Controllable);

/// <summary>
/// A structural causal model with additive noise (contract section 1): a DAG, node metadata and,
/// per node, a mechanism or null (a root node, or a node still to be fitted from data).
/// </summary>
public sealed class CausalModel
{
    public string Name { get; }
    public CausalGraph Graph { get; }
    public IReadOnlyList<NodeSpec> Nodes { get; }
    /// <summary>Per node; null for roots without a mechanism and for nodes to be fitted.</summary>
    public IReadOnlyList<Mechanism?> Mechanisms { get; }

    public CausalModel(string name, CausalGraph graph, IReadOnlyList<NodeSpec> nodes, IReadOnlyList<Mechanism?> mechanisms)
    {
        if (nodes.Count != graph.Count || mechanisms.Count != graph.Count)
            throw new ArgumentException($"model has {graph.Count} graph nodes, {nodes.Count} node specs and {mechanisms.Count} mechanisms");
        Name = name;
        Graph = graph;
        Nodes = nodes;
        Mechanisms = mechanisms;
    }

    public int Count => Graph.Count;

    /// <summary>Non-root nodes without a mechanism: they are fitted from the data.</summary>
    public IEnumerable<int> NodesToFit() =>
        Enumerable.Range(0, Count).Where(v => Mechanisms[v] is null && !Graph.IsRoot(v));

    public bool IsFullySpecified => !NodesToFit().Any();

    public CausalModel WithMechanisms(IReadOnlyList<Mechanism?> mechanisms) => new(Name, Graph, Nodes, mechanisms);

    public IEnumerable<int> NodesWithRole(NodeRole role) =>
        Enumerable.Range(0, Count).Where(v => Nodes[v].Role == role);

    /// <summary>f(parents) of one node over a batch; roots without a mechanism contribute 0.</summary>
    public void EvaluateMechanism(int node, ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output)
    {
        var mechanism = Mechanisms[node];
        if (mechanism is null)
        {
            if (!Graph.IsRoot(node))
                throw new InvalidOperationException($"node '{Graph.Names[node]}' has no mechanism: fit the model first");
            output.Clear();
            return;
        }
        mechanism.Evaluate(parents, output);
    }
}
