using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using OrleansRca.Grains.Workflows;

namespace OrleansRca.Grains;

public static class RcaSiloBuilderExtensions
{
    /// <summary>
    /// The process-wide in-memory dataset store: the silos of one process share it, as silos share a database.
    /// Unbounded: it serves the CLI's embedded silo (one analysis over the user's files) and test clusters;
    /// <c>serve</c> registers a bounded store of its own.
    /// </summary>
    public static InMemoryDatasetStore ProcessDatasets { get; } = new(long.MaxValue);

    /// <summary>
    /// What the grains need besides the grain classes: the per-silo <see cref="AnalysisCache"/> and
    /// <see cref="AnalysisExpiry"/>, the dataset store (the process' in-memory one unless the host registered
    /// another) and the analysis lifetimes.
    /// Grain storage (<see cref="RcaStorage.Name"/>), reminders and clustering are the host's choice.
    /// </summary>
    public static ISiloBuilder AddRcaGrains(this ISiloBuilder silo, Action<AnalysisLifetimeOptions>? lifetime = null)
    {
        silo.Services.TryAddSingleton<IDatasetStore>(ProcessDatasets);
        silo.Services.AddSingleton<AnalysisCache>();
        silo.Services.AddSingleton<AnalysisExpiry>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<AnalysisExpiry>());
        silo.Services.AddMetrics(); // IMeterFactory, for hosts that did not add it
        silo.Services.TryAddSingleton<RcaMetrics>();
        var options = silo.Services.AddOptions<AnalysisLifetimeOptions>();
        if (lifetime is not null) options.Configure(lifetime);
        // Reminders may tick as often as the resume check asks (Orleans' default minimum is a minute).
        silo.Services.AddOptions<ReminderOptions>().Configure<Microsoft.Extensions.Options.IOptions<AnalysisLifetimeOptions>>((r, l) =>
        {
            if (l.Value.ResumeCheckPeriod < r.MinimumReminderPeriod) r.MinimumReminderPeriod = l.Value.ResumeCheckPeriod;
        });
        return silo;
    }
}
