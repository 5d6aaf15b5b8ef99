namespace OrleansRca.Contracts;

/// <summary>The analysis kinds of <c>POST /v1/analyses/{kind}</c> (contract section 6, plus <c>marginals</c>, a CLI verb): the one list.</summary>
public static class AnalysisKinds
{
    public const string Mediation = "mediation";
    public const string Localization = "localization";
    public const string Mitigation = "mitigation";
    public const string Disentanglement = "disentanglement";
    public const string Discovery = "discovery";
    public const string Marginals = "marginals";

    /// <summary>Every kind, each served by the cluster.</summary>
    public static readonly IReadOnlyList<string> All = [Mediation, Localization, Mitigation, Disentanglement, Discovery, Marginals];

    public static bool IsKnown(string kind) => All.Contains(kind, StringComparer.Ordinal);
}
