using OrleansRca.Abstractions;
using OrleansRca.Causal.Data;

namespace OrleansRca.Grains.Datasets;

/// <summary>
/// The embedded store: datasets as parsed columns, bounded in bytes; past the bound the least recently
/// used dataset is dropped (an analysis naming it then fails as for an unknown id, and the client uploads
/// again). One per process: the silos of an in-process test cluster share it, as silos share a database.
/// </summary>
public sealed class InMemoryDatasetStore(long capacityBytes = InMemoryDatasetStore.DefaultCapacityBytes) : IDatasetStore
{
    public const long DefaultCapacityBytes = 4L << 30;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (Dataset Dataset, long LastUse)> _items = new(StringComparer.Ordinal);
    private long _bytes;
    private long _clock;

    public long Bytes { get { lock (_gate) return _bytes; } }

    public Task<DatasetInfo?> DescribeAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult(_items.TryGetValue(id, out var e) ? DatasetInfos.Describe(e.Dataset) : null);
    }

    public Task<DatasetInfo> SaveAsync(Dataset dataset, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_items.ContainsKey(dataset.Id))
            {
                _items[dataset.Id] = (dataset, ++_clock);
                _bytes += dataset.SizeBytes;
                while (_bytes > capacityBytes && _items.Count > 1)
                {
                    var oldest = _items.Where(kv => kv.Key != dataset.Id).MinBy(kv => kv.Value.LastUse);
                    _items.Remove(oldest.Key);
                    _bytes -= oldest.Value.Dataset.SizeBytes;
                }
            }
            return Task.FromResult(DatasetInfos.Describe(_items[dataset.Id].Dataset));
        }
    }

    public Task<Dataset?> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(id, out var e)) return Task.FromResult<Dataset?>(null);
            _items[id] = (e.Dataset, ++_clock);
            return Task.FromResult<Dataset?>(e.Dataset);
        }
    }
}
