using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansRca.Grains.Workflows;

namespace OrleansRca.Grains;

/// <summary>What a silo's expiry sweep asks of an analysis (key: analysis id).</summary>
[Alias("rca.IExpiringAnalysisGrain")]
public interface IExpiringAnalysisGrain : IGrainWithStringKey
{
    /// <summary>Forgets the analysis if its retention is over, else schedules the next look.</summary>
    [Alias("Expire")]
    Task ExpireAsync();
}

/// <summary>
/// Expires finished analyses on a silo without reminders (<see cref="AnalysisLifetimeOptions.UseReminders"/>
/// false: the CLI's embedded silo, <c>serve</c> on localhost), whose grain state lives in this process and
/// dies with it. There a reminder outlives nothing, yet Orleans' reminder service keeps an entry per analysis
/// (and, once unregistered, a tombstone until its next list refresh); a grain timer alone would not outlive an
/// idle orchestrator's collection. One queue of (expiry, id) per silo instead, about a hundred bytes per kept
/// result, swept every second: each due analysis is told to expire, reactivating from storage if it was collected.
/// </summary>
public sealed partial class AnalysisExpiry : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>A failed expiry (e.g. the silo stopping under it) is tried again this much later.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>Expiries asked at once: a burst of finished analyses does not flood the silo's scheduler.</summary>
    private const int Batch = 256;

    private readonly IGrainFactory _grains;
    private readonly IOptions<AnalysisLifetimeOptions> _lifetime;
    private readonly ILogger<AnalysisExpiry> _logger;
    private readonly PriorityQueue<string, DateTimeOffset> _due = new();
    private readonly Lock _gate = new();
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public AnalysisExpiry(IGrainFactory grains, IOptions<AnalysisLifetimeOptions> lifetime, ILogger<AnalysisExpiry> logger, RcaMetrics? metrics = null)
    {
        _grains = grains;
        _lifetime = lifetime;
        _logger = logger;
        metrics?.Track(this);
    }

    /// <summary>Analyses waiting for their expiry on this silo.</summary>
    public int Count
    {
        get { lock (_gate) return _due.Count; }
    }

    public void Schedule(string analysisId, DateTimeOffset at)
    {
        lock (_gate) _due.Enqueue(analysisId, at);
    }

    void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle)
    {
        // With reminders, expiry is theirs (the state outlives the silo); nothing to sweep here.
        if (_lifetime.Value.UseReminders) return;
        lifecycle.Subscribe(nameof(AnalysisExpiry), ServiceLifecycleStage.Active, Start, StopAsync);
    }

    private Task Start(CancellationToken cancellationToken)
    {
        _stop = new CancellationTokenSource();
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is null || _loop is null) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SweepInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var due = TakeDue(); due.Count > 0 && !cancellationToken.IsCancellationRequested; due = TakeDue())
                await Task.WhenAll(due.Select(ExpireAsync)).ConfigureAwait(false);
        }
    }

    private List<string> TakeDue()
    {
        var now = DateTimeOffset.UtcNow;
        var due = new List<string>();
        lock (_gate)
            while (due.Count < Batch && _due.TryPeek(out _, out var at) && at <= now) due.Add(_due.Dequeue());
        return due;
    }

    private async Task ExpireAsync(string analysisId)
    {
        try
        {
            await _grains.GetGrain<IExpiringAnalysisGrain>(analysisId).ExpireAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogRetry(e, analysisId, RetryAfter);
            Schedule(analysisId, DateTimeOffset.UtcNow + RetryAfter);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis {AnalysisId} could not be expired; trying again in {Delay}")]
    private partial void LogRetry(Exception exception, string analysisId, TimeSpan delay);
}
