using OrleansRca.Causal.Counterfactuals;

namespace OrleansRca.Causal.Mediation;

/// <summary>How unit-level effects are computed.</summary>
public enum EffectEngine
{
    /// <summary>Closed-form path products where every relevant mechanism is linear, propagation elsewhere.</summary>
    Auto,
    /// <summary>Always propagate counterfactuals row by row (columnar).</summary>
    General,
    /// <summary>Closed form only; an error if a relevant mechanism is not linear.</summary>
    Linear,
}

/// <summary>
/// A mediation request. Null lists mean "take them from the node roles" (contract section 4).
/// </summary>
public sealed record MediationOptions
{
    public IReadOnlyList<string>? Treatments { get; init; }
    public IReadOnlyList<string>? Mediators { get; init; }
    public string? Outcome { get; init; }
    public InterventionSpec Treated { get; init; } = new(InterventionKind.Relative, 0.5);
    public InterventionSpec Untreated { get; init; } = InterventionSpec.Observed;
    public EffectEngine Engine { get; init; } = EffectEngine.Auto;
    /// <summary>Bootstrap resamples for percentile intervals; 0 for none.</summary>
    public int Bootstrap { get; init; }
    public int Seed { get; init; }
    /// <summary>Central coverage of the bootstrap intervals (0.95 means the 2.5% and 97.5% percentiles).</summary>
    public double Confidence { get; init; } = 0.95;
    /// <summary>Threads for row-parallel work; -1 for all cores.</summary>
    public int MaxParallelism { get; init; } = -1;
}
