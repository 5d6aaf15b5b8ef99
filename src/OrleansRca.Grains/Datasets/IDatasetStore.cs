namespace OrleansRca.Grains.Datasets;

/// <summary>
/// Where datasets live, by content-derived id. In memory for the embedded silo (one store per process,
/// shared by the silos of an in-process test cluster); a shared database for a cluster of processes
/// (the scale-out work backs this interface with PostgreSQL). Saving an id that exists is a no-op.
/// </summary>
public interface IDatasetStore
{
    Task<DatasetInfo?> DescribeAsync(string id, CancellationToken cancellationToken = default);

    Task<DatasetInfo> SaveAsync(Dataset dataset, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="SaveAsync(Dataset, CancellationToken)"/>, saying where the dataset came from: a bounded store
    /// drops tables sent inline with analyses before uploaded ones. A store that keeps everything ignores it.
    /// </summary>
    /// <exception cref="DatasetStoreFullException">A bounded store cannot make room for it.</exception>
    Task<DatasetInfo> SaveAsync(Dataset dataset, DatasetOrigin origin, CancellationToken cancellationToken = default) =>
        SaveAsync(dataset, cancellationToken);

    /// <summary>Null when no dataset has this id.</summary>
    Task<Dataset?> LoadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps dataset <paramref name="id"/> (stored or about to be) while <paramref name="owner"/> (an analysis id)
    /// runs: a bounded store never drops it until <see cref="Release"/>. Idempotent. A store that drops nothing
    /// needs no pins.
    /// </summary>
    void Pin(string owner, string id)
    {
    }

    /// <summary>An upload of dataset <paramref name="id"/>, which the store has: a bounded store now keeps it as uploaded, not inline.</summary>
    void MarkUploaded(string id)
    {
    }

    /// <summary>Ends every pin of <paramref name="owner"/> (its analysis finished, failed or was never accepted). Idempotent.</summary>
    void Release(string owner)
    {
    }
}

/// <summary>How a dataset reached the store.</summary>
public enum DatasetOrigin
{
    /// <summary><c>POST /v1/datasets</c>, or a CLI's file: the client means to use it again.</summary>
    Upload,

    /// <summary>CSV inline in an analysis request: needed by that analysis only (unless sent again).</summary>
    Inline,
}

public static class DatasetInfos
{
    public static DatasetInfo Describe(Dataset d) => new(
        d.Id, d.Rows,
        [.. d.Names.Where((_, c) => d.Columns[c] is not null)],
        [.. d.Names.Where((_, c) => d.Columns[c] is null)],
        d.SizeBytes);
}
