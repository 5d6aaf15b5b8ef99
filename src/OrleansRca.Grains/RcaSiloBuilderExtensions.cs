using Microsoft.Extensions.DependencyInjection;

namespace OrleansRca.Grains;

public static class RcaSiloBuilderExtensions
{
    /// <summary>
    /// What the grains need besides the grain classes: the per-silo <see cref="AnalysisCache"/>. Grain
    /// storage (<see cref="RcaStorage.Name"/>) and clustering are the host's choice.
    /// </summary>
    public static ISiloBuilder AddRcaGrains(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<AnalysisCache>();
        return silo;
    }
}
