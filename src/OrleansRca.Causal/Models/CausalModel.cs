namespace OrleansRca.Causal.Models;

public enum NodeRole { Covariate, Treatment, Mediator, Outcome }

/// <summary>Continuous values; 0/1; or integer codes 0, 1, 2, ... (<see cref="Categorical"/>: fitted mechanisms keep a row's quantile among the codes).</summary>
public enum NodeType { Continuous, Binary, Categorical }

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

    /// <summary>A node's values from its parents and noise; a root without a mechanism is its noise.</summary>
    public void ApplyMechanism(int node, ReadOnlySpan<ReadOnlyMemory<double>> parents, ReadOnlySpan<double> noise, Span<double> output)
    {
        if (MechanismOrRoot(node) is { } mechanism) mechanism.Apply(parents, noise, output);
        else noise.CopyTo(output);
    }

    /// <summary>A node's value in one row from its parents' values and its noise; a root without a mechanism is its noise.</summary>
    public double ApplyMechanism(int node, ReadOnlySpan<double> parents, double noise) =>
        MechanismOrRoot(node) is { } mechanism ? mechanism.Apply(parents, noise) : noise;

    /// <summary>A node's noise from its parents and values; a root without a mechanism: its values.</summary>
    public void AbductNoise(int node, ReadOnlySpan<ReadOnlyMemory<double>> parents, ReadOnlySpan<double> values, Span<double> output)
    {
        if (MechanismOrRoot(node) is { } mechanism) mechanism.Abduct(parents, values, output);
        else values.CopyTo(output);
    }

    /// <summary>The node's mechanism; null for a root without one; a non-root without one is not fitted yet.</summary>
    private Mechanism? MechanismOrRoot(int node) => Mechanisms[node] ?? (Graph.IsRoot(node) ? null
        : throw new InvalidOperationException($"node '{Graph.Names[node]}' has no mechanism: fit the model first"));
}
