using OrleansRca.Abstractions;
using OrleansRca.Causal.Data;

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

    /// <summary>Null when no dataset has this id.</summary>
    Task<Dataset?> LoadAsync(string id, CancellationToken cancellationToken = default);
}

public static class DatasetInfos
{
    public static DatasetInfo Describe(Dataset d) => new(
        d.Id, d.Rows,
        [.. d.Names.Where((_, c) => d.Columns[c] is not null)],
        [.. d.Names.Where((_, c) => d.Columns[c] is null)],
        d.SizeBytes);
}
