using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansRca.Grains;
using OrleansRca.Grains.Requests;
using OrleansRca.Grains.Workflows;

namespace OrleansRca.Cluster.Tests;

/// <summary>The silos of the test clusters: the project's grains and in-memory grain storage "Default", as the embedded host.</summary>
public sealed class RcaSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder silo) =>
        silo.AddMemoryGrainStorage(RcaStorage.Name).AddSharedReminders().AddRcaGrains(o => TestLifetimes.Configure(o, TestLifetimes.LongResumeGrace));
}

/// <summary>Lifetimes short enough for tests: resume checks every 2 s, results kept for 10 s.</summary>
public static class TestLifetimes
{
    public static readonly TimeSpan ResumeCheckPeriod = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(10);

    /// <summary>The failover clusters' grace: their analyses must have a reminder well before a silo is killed.</summary>
    public static readonly TimeSpan ShortResumeGrace = TimeSpan.FromSeconds(1);

    /// <summary>The life-cycle cluster's grace: long enough that a small analysis finishes first, even on a busy machine.</summary>
    public static readonly TimeSpan LongResumeGrace = TimeSpan.FromSeconds(20);

    public static void Configure(AnalysisLifetimeOptions o, TimeSpan resumeGrace)
    {
        o.ResumeCheckPeriod = ResumeCheckPeriod;
        o.Retention = Retention;
        o.ResumeGrace = resumeGrace;
    }

    /// <summary>Reminders on the process-wide table (<see cref="SharedReminderTable"/>).</summary>
    public static ISiloBuilder AddSharedReminders(this ISiloBuilder silo)
    {
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable, SharedReminderTable>();
        return silo;
    }
}

/// <summary>An in-process 3-silo cluster shared by the tests of one collection.</summary>
public class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    protected virtual int Silos => 3;

    protected virtual void Configure(TestClusterBuilder builder) => builder.AddSiloBuilderConfigurator<RcaSiloConfigurator>();

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder((short)Silos);
        Configure(builder);
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    public IAnalysisOrchestratorGrain Orchestrator(string id) => Cluster.Client.GetGrain<IAnalysisOrchestratorGrain>(id);

    /// <summary>
    /// Submits a request body as the HTTP API does: parsed at the edge (inline tables become datasets in the
    /// process' store; JSON-level bad input is refused there, as a failed status), then handed to the grain.
    /// </summary>
    public async Task<AnalysisStatus> SubmitAsync(string id, string kind, string requestJson)
    {
        AnalysisSpec spec;
        try
        {
            spec = await AnalysisRequests.ParseAsync(kind, RequestJson.ParseObject(requestJson), new StoreIntake(RcaSiloBuilderExtensions.ProcessDatasets), CancellationToken.None);
        }
        catch (InputException e)
        {
            return new AnalysisStatus(id, kind, AnalysisStage.Failed, 0, null, new AnalysisError(AnalysisError.BadInput, e.Message));
        }
        return await Orchestrator(id).SubmitAsync(spec);
    }

    /// <summary>Polls until the analysis is done (retrying while a silo is being lost), failing with the last status after <paramref name="timeout"/>.</summary>
    public async Task<AnalysisStatus> WaitAsync(string id, TimeSpan timeout, Func<AnalysisStatus, Task>? onPoll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        AnalysisStatus? status = null;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                status = await Orchestrator(id).GetStatusAsync();
                lastError = null;
                if (status.IsDone) return status;
                if (onPoll is not null) await onPoll(status);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                lastError = e;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"analysis {id} not done after {timeout}: last status {status}, last error {lastError?.Message}");
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>
/// A cluster whose grain storage outlives its silos, standing in for PostgreSQL: in-memory storage keeps
/// state in storage grains, which die with a killed silo, so it cannot show resuming after a silo loss.
/// </summary>
public sealed class FailoverClusterFixture : ClusterFixture
{
    protected override void Configure(TestClusterBuilder builder) => builder.AddSiloBuilderConfigurator<SharedStorageConfigurator>();

    /// <summary>The silo that holds the test cluster's membership: it must live, so tests kill others.</summary>
    public string PrimarySilo => Cluster.Primary?.SiloAddress.ToString() ?? throw new InvalidOperationException("the test cluster has no primary silo");

    /// <summary>Three active silos again (an earlier test of the collection killed one), so that one can be lost.</summary>
    public async Task EnsureThreeSilosAsync()
    {
        if (Cluster.GetActiveSilos().Count() >= 3) return;
        await Cluster.StartAdditionalSilosAsync(3 - Cluster.GetActiveSilos().Count());
        await Cluster.WaitForLivenessToStabilizeAsync();
    }

    /// <summary>A new analysis id whose orchestrator activates on a silo <paramref name="wanted"/> accepts, and that silo's address.</summary>
    public async Task<(string Id, string Silo)> PlaceOrchestratorAsync(Func<string, bool> wanted)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var id = GrainKeys.NewAnalysisId();
            var silo = await Orchestrator(id).GetSiloAsync();
            if (wanted(silo)) return (id, silo);
        }
        throw new InvalidOperationException("no orchestrator activation landed on a suitable silo in 100 tries");
    }

    public SiloHandle Silo(string address) => Cluster.Silos.Single(h => h.SiloAddress.ToString() == address);

    /// <summary>
    /// Waits for analysis <paramref name="id"/> to end, killing <paramref name="victim"/> at the first status at or past
    /// <paramref name="progress"/>; returns the final status, the one at the kill and the first one after it.
    /// </summary>
    public async Task<SiloLoss> WaitKillingAsync(string id, SiloHandle victim, double progress, Action<string> log)
    {
        AnalysisStatus? atKill = null;
        AnalysisStatus? firstAfterKill = null;
        var final = await WaitAsync(id, TimeSpan.FromSeconds(120), async status =>
        {
            if (atKill is null && status.Progress >= progress)
            {
                atKill = status;
                log($"killing {victim.SiloAddress} at progress {status.Progress:F3} ({status.Stage})");
                await Cluster.KillSiloAsync(victim);
            }
            else if (atKill is not null && firstAfterKill is null)
            {
                firstAfterKill = status;
                log($"first status after the kill: progress {status.Progress:F3} ({status.Stage})");
            }
        });
        log($"{final.Stage}");
        return new SiloLoss(final, atKill, firstAfterKill);
    }

    private sealed class SharedStorageConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Services.AddGrainStorage(RcaStorage.Name, (services, _) => new SharedGrainStorage(services.GetRequiredService<DeepCopier>()));
            silo.AddSharedReminders().AddRcaGrains(o => TestLifetimes.Configure(o, TestLifetimes.ShortResumeGrace));
        }
    }
}

/// <summary>
/// One silo without a reminder service, as <c>serve</c> on localhost: expiry by the silo's sweep. Its grain
/// storage is the process-wide <see cref="SharedGrainStorage"/>, so a test can see a record go without
/// calling (and so reactivating) the analysis.
/// </summary>
public sealed class NoRemindersClusterFixture : ClusterFixture
{
    protected override int Silos => 1;

    protected override void Configure(TestClusterBuilder builder) => builder.AddSiloBuilderConfigurator<NoRemindersConfigurator>();

    private sealed class NoRemindersConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Services.AddGrainStorage(RcaStorage.Name, (services, _) => new SharedGrainStorage(services.GetRequiredService<DeepCopier>()));
            silo.AddRcaGrains(o =>
            {
                TestLifetimes.Configure(o, TestLifetimes.ShortResumeGrace);
                o.UseReminders = false;
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class NoRemindersCollection : ICollectionFixture<NoRemindersClusterFixture>
{
    public const string Name = "no-reminders";
}

/// <summary>How an analysis went through the loss of a silo: its final status, the status at the kill and the first one after.</summary>
public sealed record SiloLoss(AnalysisStatus Final, AnalysisStatus? AtKill, AnalysisStatus? FirstAfterKill);

[CollectionDefinition(Name)]
public sealed class FailoverCollection : ICollectionFixture<FailoverClusterFixture>
{
    public const string Name = "failover";
}

/// <summary>Process-wide grain storage with ETag checks; every silo of the process sees the same records.</summary>
public sealed class SharedGrainStorage(DeepCopier copier) : IGrainStorage
{
    private static readonly ConcurrentDictionary<(string, GrainId), (object State, string ETag)> Records = new();

    /// <summary>The stored record of a grain's state (what a database would hold), or null.</summary>
    public static object? Find(string stateName, GrainId grainId) => Records.TryGetValue((stateName, grainId), out var r) ? r.State : null;
    private static long _version;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Records.TryGetValue((stateName, grainId), out var record))
        {
            grainState.State = copier.Copy((T)record.State);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (Records)
        {
            if (Records.TryGetValue((stateName, grainId), out var record) && record.ETag != grainState.ETag)
                throw new InconsistentStateException($"ETag mismatch for {grainId}/{stateName}", record.ETag, grainState.ETag);
            var etag = Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Records[(stateName, grainId)] = (copier.Copy(grainState.State)!, etag);
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Records.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
