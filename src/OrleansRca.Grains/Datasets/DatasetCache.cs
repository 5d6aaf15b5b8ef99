using OrleansRca.Causal;
using OrleansRca.Causal.Data;

namespace OrleansRca.Grains.Datasets;

/// <summary>
/// A silo's datasets as columns, loaded from the <see cref="IDatasetStore"/> once per silo and kept while
/// they fit in <see cref="CapacityBytes"/> (least recently used out first). Every grain of every analysis on
/// the silo reads the same arrays.
/// </summary>
public sealed class DatasetCache(IDatasetStore store, long capacityBytes = DatasetCache.DefaultCapacityBytes)
{
    /// <summary>
    /// The <c>serve</c> default. Beside the embedded store the cache holds the same objects (it adds only what
    /// the store dropped while an analysis still used it); beside PostgreSQL it is the silo's copy of what runs.
    /// </summary>
    public const long DefaultCapacityBytes = 512L << 20;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (OnceSlot<Dataset> Slot, long Bytes, long LastUse)> _entries = new(StringComparer.Ordinal);
    private long _bytes;
    private long _clock;

    public long CapacityBytes => capacityBytes;

    /// <summary>Bytes of the datasets held (diagnostics, metrics).</summary>
    public long Bytes { get { lock (_gate) return _bytes; } }

    public IDatasetStore Store => store;

    /// <summary>The dataset; an unknown id is bad input naming it.</summary>
    public Task<Dataset> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        OnceSlot<Dataset> slot;
        lock (_gate)
        {
            if (_entries.TryGetValue(id, out var e))
            {
                _entries[id] = (e.Slot, e.Bytes, ++_clock);
                slot = e.Slot;
            }
            else
            {
                slot = new OnceSlot<Dataset>();
                _entries[id] = (slot, 0, ++_clock);
            }
        }
        return slot.GetOrStart(() => LoadAsync(id, cancellationToken));
    }

    private async Task<Dataset> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var dataset = await store.LoadAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new InputException($"no dataset has the id '{id}' (upload it with POST /v1/datasets first)");
        lock (_gate)
        {
            if (_entries.TryGetValue(id, out var e))
            {
                _entries[id] = (e.Slot, dataset.SizeBytes, e.LastUse);
                _bytes += dataset.SizeBytes;
            }
            // Over the bound: drop the least recently used others (their next use reloads them).
            while (_bytes > capacityBytes && _entries.Count > 1)
            {
                var oldest = _entries.Where(kv => kv.Key != id).MinBy(kv => kv.Value.LastUse);
                _entries.Remove(oldest.Key);
                _bytes -= oldest.Value.Bytes;
            }
        }
        return dataset;
    }
}
