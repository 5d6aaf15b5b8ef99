namespace OrleansRca.Grains.Datasets;

/// <summary>
/// The embedded store: datasets as parsed columns, bounded in bytes (<see cref="CapacityBytes"/>, counting
/// <see cref="HeldBytes"/> per dataset). To make room it drops, least recently used first, datasets that came
/// inline with an analysis before uploaded ones, and never one pinned by a running analysis
/// (<see cref="IDatasetStore.Pin"/>). A dataset that cannot fit beside the pinned ones is refused
/// (<see cref="DatasetStoreFullException"/>). A dropped dataset is gone: an analysis naming it later is told
/// its id is unknown, and the client uploads again. One per process: the silos of an in-process test cluster
/// share it, as silos share a database.
/// </summary>
public sealed class InMemoryDatasetStore(long capacityBytes = InMemoryDatasetStore.DefaultCapacityBytes) : IDatasetStore
{
    /// <summary>
    /// The <c>serve</c> default: with the cache's 512 MiB and the runtime's few hundred MiB, a 2-core silo stays
    /// near 2 GiB (README, Memory). About 400,000 small inline tables, or one table of 130 million cells.
    /// </summary>
    public const long DefaultCapacityBytes = 1L << 30;

    /// <summary>
    /// What a dataset costs besides its column arrays (<see cref="Dataset.SizeBytes"/>): the object, its id and
    /// name strings, the name index and lists, and this store's entry. Small inline tables are mostly overhead.
    /// </summary>
    public const long OverheadBytes = 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _items = new(StringComparer.Ordinal);
    // Unpinned datasets by origin, least recently used first; pinned ones are in neither list.
    private readonly LinkedList<string> _inline = new();
    private readonly LinkedList<string> _uploaded = new();
    private readonly Dictionary<string, HashSet<string>> _pinsByDataset = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _pinsByOwner = new(StringComparer.Ordinal);
    private long _bytes;
    private long _pinnedBytes;

    public long CapacityBytes => capacityBytes;

    /// <summary>Bytes held (by <see cref="HeldBytes"/>).</summary>
    public long Bytes { get { lock (_gate) return _bytes; } }

    /// <summary>Bytes held by datasets that a running analysis pins.</summary>
    public long PinnedBytes { get { lock (_gate) return _pinnedBytes; } }

    public int Count { get { lock (_gate) return _items.Count; } }

    /// <summary>What a dataset counts against the bound.</summary>
    public static long HeldBytes(Dataset dataset) => dataset.SizeBytes + OverheadBytes;

    public Task<DatasetInfo?> DescribeAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult(_items.TryGetValue(id, out var e) ? DatasetInfos.Describe(e.Dataset) : null);
    }

    public Task<DatasetInfo> SaveAsync(Dataset dataset, CancellationToken cancellationToken = default) =>
        Task.FromResult(Save(dataset, DatasetOrigin.Upload));

    public Task<DatasetInfo> SaveAsync(Dataset dataset, DatasetOrigin origin, CancellationToken cancellationToken = default) =>
        Task.FromResult(Save(dataset, origin));

    public Task<Dataset?> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(id, out var e)) return Task.FromResult<Dataset?>(null);
            Touch(e);
            return Task.FromResult<Dataset?>(e.Dataset);
        }
    }

    public void Pin(string owner, string id)
    {
        lock (_gate)
        {
            if (!_pinsByOwner.TryGetValue(owner, out var ids)) _pinsByOwner[owner] = ids = new(StringComparer.Ordinal);
            if (!ids.Add(id)) return;
            if (!_pinsByDataset.TryGetValue(id, out var owners)) _pinsByDataset[id] = owners = new(StringComparer.Ordinal);
            owners.Add(owner);
            if (owners.Count == 1 && _items.TryGetValue(id, out var e))
            {
                Unlist(e);
                _pinnedBytes += e.Bytes;
            }
        }
    }

    public void Release(string owner)
    {
        lock (_gate)
        {
            if (!_pinsByOwner.Remove(owner, out var ids)) return;
            foreach (var id in ids)
            {
                var owners = _pinsByDataset[id];
                owners.Remove(owner);
                if (owners.Count > 0) continue;
                _pinsByDataset.Remove(id);
                if (!_items.TryGetValue(id, out var e)) continue;
                _pinnedBytes -= e.Bytes;
                // Most recently used: the analysis that pinned it has just finished with it.
                e.Node = (e.Uploaded ? _uploaded : _inline).AddLast(id);
            }
        }
    }

    public void MarkUploaded(string id)
    {
        lock (_gate)
            if (_items.TryGetValue(id, out var known)) Mark(known, DatasetOrigin.Upload);
    }

    private void Mark(Entry known, DatasetOrigin origin)
    {
        // An upload of what came inline before: the client means to keep it, so it moves to the longer-lived list.
        if (origin == DatasetOrigin.Upload && !known.Uploaded)
        {
            Unlist(known);
            known.Uploaded = true;
        }
        Touch(known);
    }

    private DatasetInfo Save(Dataset dataset, DatasetOrigin origin)
    {
        lock (_gate)
        {
            if (_items.TryGetValue(dataset.Id, out var known))
            {
                Mark(known, origin);
                return DatasetInfos.Describe(known.Dataset);
            }

            var bytes = HeldBytes(dataset);
            var pinned = _pinsByDataset.ContainsKey(dataset.Id);
            // Everything unpinned can go; if the dataset still does not fit beside the pinned ones, refuse it.
            if (bytes + _pinnedBytes > capacityBytes)
                throw new DatasetStoreFullException(bytes, capacityBytes, _pinnedBytes);
            while (_bytes + bytes > capacityBytes)
            {
                var victim = (_inline.First ?? _uploaded.First)!.Value;
                var e = _items[victim];
                Unlist(e);
                _items.Remove(victim);
                _bytes -= e.Bytes;
            }
            var entry = new Entry(dataset, bytes) { Uploaded = origin == DatasetOrigin.Upload };
            _items[dataset.Id] = entry;
            _bytes += bytes;
            if (pinned) _pinnedBytes += bytes;
            else entry.Node = (entry.Uploaded ? _uploaded : _inline).AddLast(dataset.Id);
            return DatasetInfos.Describe(dataset);
        }
    }

    private void Touch(Entry e)
    {
        if (_pinsByDataset.ContainsKey(e.Dataset.Id)) return;
        Unlist(e);
        e.Node = (e.Uploaded ? _uploaded : _inline).AddLast(e.Dataset.Id);
    }

    private static void Unlist(Entry e)
    {
        e.Node?.List?.Remove(e.Node);
        e.Node = null;
    }

    private sealed class Entry(Dataset dataset, long bytes)
    {
        public Dataset Dataset { get; } = dataset;
        public long Bytes { get; } = bytes;
        public bool Uploaded { get; set; }
        public LinkedListNode<string>? Node { get; set; }
    }
}

/// <summary>
/// A dataset does not fit in the store beside those that running analyses pin. Bad input, not a fault: the
/// HTTP API answers 413 (with Retry-After, since the pinned bytes are freed as analyses finish).
/// </summary>
public sealed class DatasetStoreFullException(long datasetBytes, long capacityBytes, long pinnedBytes)
    : Exception(datasetBytes > capacityBytes
        ? $"the dataset needs {datasetBytes} bytes as columns, more than this server's dataset store holds ({capacityBytes} bytes; serve --dataset-store-bytes)"
        : $"the dataset needs {datasetBytes} bytes as columns, and running analyses hold {pinnedBytes} of the dataset store's {capacityBytes} bytes (serve --dataset-store-bytes); retry when they have finished")
{
    public long DatasetBytes => datasetBytes;

    public long CapacityBytes => capacityBytes;

    /// <summary>Whether waiting can help: the dataset would fit in an empty store.</summary>
    public bool IsTemporary => datasetBytes <= capacityBytes;
}
