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
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    // Least recently used first: eviction and touch are O(1), whatever the number of (small) datasets held.
    private readonly LinkedList<string> _order = new();
    private long _bytes;

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
                _order.Remove(e.Node);
                _order.AddLast(e.Node);
            }
            else
            {
                e = new Entry(new OnceSlot<Dataset>(), _order.AddLast(id));
                _entries[id] = e;
            }
            slot = e.Slot;
        }
        return slot.GetOrStart(() => LoadAsync(id, cancellationToken));
    }

    private async Task<Dataset> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var dataset = await store.LoadAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new InputException($"no dataset has the id '{id}' (upload it with POST /v1/datasets first)");
        lock (_gate)
        {
            if (_entries.TryGetValue(id, out var e) && e.Bytes == 0)
            {
                e.Bytes = dataset.SizeBytes;
                _bytes += dataset.SizeBytes;
            }
            // Over the bound: drop the least recently used others (their next use reloads them).
            var node = _order.First;
            while (_bytes > capacityBytes && node is not null)
            {
                var next = node.Next;
                if (node.Value != id)
                {
                    _bytes -= _entries[node.Value].Bytes;
                    _entries.Remove(node.Value);
                    _order.Remove(node);
                }
                node = next;
            }
        }
        return dataset;
    }

    private sealed class Entry(OnceSlot<Dataset> slot, LinkedListNode<string> node)
    {
        public OnceSlot<Dataset> Slot { get; } = slot;
        public LinkedListNode<string> Node { get; } = node;
        public long Bytes { get; set; }
    }
}
