namespace OrleansRca.Causal.Discovery;

/// <summary>
/// Background knowledge a user brings (RCA users usually know some of it): edges that must be in the
/// graph, edges that must not, and tiers (an ordered list of node groups; no edge may point from a
/// later tier to an earlier one, e.g. from a KPI back to an infrastructure metric). Nodes outside every
/// tier are unconstrained.
/// </summary>
public sealed record DiscoveryKnowledge
{
    public IReadOnlyList<(string Parent, string Child)> Required { get; init; } = [];
    public IReadOnlyList<(string Parent, string Child)> Forbidden { get; init; } = [];
    public IReadOnlyList<IReadOnlyList<string>> Tiers { get; init; } = [];

    public static DiscoveryKnowledge None { get; } = new();

    /// <summary>Parses "A->B" (whitespace around names is trimmed).</summary>
    public static (string Parent, string Child) ParseEdge(string text, string option)
    {
        var at = text.IndexOf("->", StringComparison.Ordinal);
        if (at <= 0 || at + 2 >= text.Length)
            throw new InputException($"{option} '{text}' must be an edge written PARENT->CHILD");
        var parent = text[..at].Trim();
        var child = text[(at + 2)..].Trim();
        if (parent.Length == 0 || child.Length == 0)
            throw new InputException($"{option} '{text}' must be an edge written PARENT->CHILD");
        return (parent, child);
    }
}

/// <summary>Settings of <see cref="CausalDiscovery"/>; the defaults are what the CLI and the tests use.</summary>
public sealed record DiscoveryOptions
{
    /// <summary>Multiplier of the BIC penalty (1 = BIC).</summary>
    public double Penalty { get; init; } = 1.0;

    /// <summary>
    /// γ of the extended BIC (Chen and Chen 2008; Foygel and Drton 2010): each edge also costs γ·log(nodes),
    /// which keeps false edges few when every node has many candidates (0 = plain BIC).
    /// </summary>
    public double EdgePenalty { get; init; } = 0.5;

    /// <summary>Prior expected number of intervened nodes per regime; the per-node prior is this over the node count (at most 0.5).</summary>
    public double ExpectedTargetsPerRegime { get; init; } = 1.0;

    /// <summary>
    /// Nodes a node's own screen keeps; with the nodes whose screens picked it, its parent candidates number
    /// at most twice this (at most 30: a node's parent sets are bit masks over its candidates).
    /// </summary>
    public int MaxCandidates { get; init; } = 16;

    /// <summary>Most parents a node may get.</summary>
    public int MaxParents { get; init; } = 8;

    /// <summary>
    /// Alternations, per node and parent set, of the target decisions and the pooled fit that leaves the
    /// targeted regimes out (at least 2: against the observational rows, then against the pooled rows).
    /// </summary>
    public int TargetPasses { get; init; } = 4;

    /// <summary>Alternations of the edge search and the order search at most (each stops when the other finds nothing better).</summary>
    public int SearchRounds { get; init; } = 5;

    /// <summary>Perturbed restarts of the search from the best order found (iterated local search).</summary>
    public int Restarts { get; init; } = 10;

    /// <summary>Seed of the perturbations: the same seed gives the same result.</summary>
    public int Seed { get; init; }

    /// <summary>Threads for per-node work; null = all cores.</summary>
    public int? MaxParallelism { get; init; }

    public DiscoveryKnowledge Knowledge { get; init; } = DiscoveryKnowledge.None;

    internal void Validate()
    {
        if (!(Penalty > 0) || !double.IsFinite(Penalty)) throw new InputException($"penalty must be a positive number, not {Penalty}");
        if (!(EdgePenalty >= 0) || !double.IsFinite(EdgePenalty)) throw new InputException($"edge penalty must be zero or a positive number, not {EdgePenalty}");
        if (!(ExpectedTargetsPerRegime > 0) || !double.IsFinite(ExpectedTargetsPerRegime))
            throw new InputException($"expected targets per regime must be a positive number, not {ExpectedTargetsPerRegime}");
        if (MaxCandidates is < 1 or > 30) throw new InputException($"max candidates must be between 1 and 30, not {MaxCandidates}");
        if (MaxParents < 1) throw new InputException($"max parents must be at least 1, not {MaxParents}");
        if (TargetPasses < 2) throw new InputException($"target passes must be at least 2, not {TargetPasses}");
        if (SearchRounds < 1) throw new InputException($"search rounds must be at least 1, not {SearchRounds}");
        if (Restarts < 0) throw new InputException($"restarts must be zero or more, not {Restarts}");
        if (MaxParallelism is < 1) throw new InputException($"max parallelism must be at least 1, not {MaxParallelism}");
    }
}
