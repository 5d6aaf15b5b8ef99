using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansRca.Grains;

/// <summary>
/// The engine's own instruments, on one meter (<see cref="MeterName"/>) from the host's <see cref="IMeterFactory"/>:
/// analyses started, succeeded and failed, their duration by kind, rows and pairs processed, analyses in progress
/// on this silo, the bytes of the silo's dataset cache and of the in-memory dataset store, finished analyses awaiting expiry. Recording costs nothing when no exporter listens.
/// </summary>
public sealed class RcaMetrics
{
    public const string MeterName = "OrleansRca";

    private readonly Counter<long> _started;
    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _rows;
    private readonly Counter<long> _pairs;
    private readonly ConcurrentDictionary<string, string> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<DatasetCache> _caches = [];
    private readonly ConcurrentDictionary<InMemoryDatasetStore, bool> _stores = new();
    private readonly ConcurrentBag<AnalysisExpiry> _expiries = [];

    public RcaMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _started = meter.CreateCounter<long>("rca.analyses.started", "{analysis}", "Analyses accepted (validated and queued), by kind.");
        _succeeded = meter.CreateCounter<long>("rca.analyses.succeeded", "{analysis}", "Analyses that finished with a result, by kind.");
        _failed = meter.CreateCounter<long>("rca.analyses.failed", "{analysis}", "Analyses that ended without a result, by kind and reason (bad_input, internal, cancelled).");
        // Buckets from 5 ms to 10 min: small analyses finish in milliseconds, large ones in minutes.
        _duration = meter.CreateHistogram("rca.analysis.duration", "s", "Submit to finish, by kind and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });
        _rows = meter.CreateCounter<long>("rca.rows.processed", "{row}", "Data rows an analysis computed over, by kind.");
        _pairs = meter.CreateCounter<long>("rca.pairs.processed", "{pair}", "Treatment-mediator pairs of mediation analyses.");
        meter.CreateObservableGauge("rca.analyses.running", () => _running.Count, "{analysis}", "Analyses whose work runs on this silo now (the queue depth).");
        meter.CreateObservableGauge("rca.dataset_cache.bytes", () => _caches.Sum(c => c.Bytes), "By", "Bytes of the datasets held as columns by this process' silos.");
        // The store's figures: what the soak watches against --dataset-store-bytes.
        meter.CreateObservableGauge("rca.dataset_store.bytes", () => _stores.Keys.Sum(s => s.Bytes), "By", "Bytes the in-memory dataset store holds (columns and per-dataset overhead).");
        meter.CreateObservableGauge("rca.dataset_store.datasets", () => _stores.Keys.Sum(s => s.Count), "{dataset}", "Datasets the in-memory dataset store holds.");
        meter.CreateObservableGauge("rca.analyses.expiring", () => _expiries.Sum(e => e.Count), "{analysis}", "Finished analyses waiting in this process' expiry queue (silos without reminders).");
    }

    public void Started(string kind) => _started.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Finished(string kind, string outcome, TimeSpan duration)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        if (outcome == "succeeded") _succeeded.Add(1, kindTag);
        else _failed.Add(1, kindTag, new KeyValuePair<string, object?>("reason", outcome));
        _duration.Record(duration.TotalSeconds, kindTag, new KeyValuePair<string, object?>("outcome", outcome == "succeeded" ? "succeeded" : "failed"));
    }

    public void Processed(string kind, long rows, long pairs = 0)
    {
        _rows.Add(rows, new KeyValuePair<string, object?>("kind", kind));
        if (pairs > 0) _pairs.Add(pairs);
    }

    public void Running(string analysisId) => _running[analysisId] = analysisId;

    public void Stopped(string analysisId) => _running.TryRemove(analysisId, out _);

    /// <summary>Reports <paramref name="cache"/>'s bytes in <c>rca.dataset_cache.bytes</c>.</summary>
    public void Track(DatasetCache cache) => _caches.Add(cache);

    /// <summary>Reports <paramref name="expiry"/>'s queue in <c>rca.analyses.expiring</c>.</summary>
    public void Track(AnalysisExpiry expiry) => _expiries.Add(expiry);

    /// <summary>Reports <paramref name="store"/>'s bytes and datasets (once, however many silos of the process share it).</summary>
    public void Track(InMemoryDatasetStore store) => _stores.TryAdd(store, true);
}

/// <summary>The engine's activity source: one span per analysis run, parented on the submitting request's span.</summary>
public static class RcaTracing
{
    public const string SourceName = "OrleansRca";

    public static readonly ActivitySource Source = new(SourceName);
}
