namespace OrleansRca.Grains.Datasets;

/// <summary>
/// Uploads from clients outside the silo (key: the dataset id the client computed from the bytes). The
/// parts wait in this activation until committed; nothing is persisted here but the dataset itself, in the store.
/// </summary>
public sealed class DatasetGrain(IDatasetStore store, AnalysisCache cache) : Grain, IDatasetGrain
{
    /// <summary>Uploads larger than this are refused (the HTTP API has the same default body limit).</summary>
    public const long MaxBytes = 1L << 30;

    private readonly SortedDictionary<int, byte[]> _parts = [];
    private long _bytes;

    private string Id => this.GetPrimaryKeyString();

    Task<DatasetInfo?> IDatasetGrain.DescribeAsync() => store.DescribeAsync(Id);

    Task IDatasetGrain.AppendAsync(int index, byte[] part)
    {
        if (index < 0) throw new BadInputException($"dataset part index must be >= 0, not {index}");
        if (_parts.TryGetValue(index, out var old)) _bytes -= old.Length;
        _parts[index] = part;
        _bytes += part.Length;
        if (_bytes > MaxBytes) throw new BadInputException($"dataset upload is over {MaxBytes} bytes");
        return Task.CompletedTask;
    }

    async Task<DatasetInfo> IDatasetGrain.CommitAsync(int parts, string format, string source)
    {
        try
        {
            if (await store.DescribeAsync(Id) is { } known) return known;
            for (var i = 0; i < parts; i++)
                if (!_parts.ContainsKey(i)) throw new BadInputException($"dataset upload: part {i} of {parts} is missing");
            var content = new byte[_bytes];
            var at = 0;
            foreach (var part in _parts.Values.Take(parts)) { part.CopyTo(content, at); at += part.Length; }
            var dataFormat = format switch
            {
                "csv" => DataFormat.Csv, "arrow" => DataFormat.ArrowStream, "parquet" => DataFormat.Parquet,
                _ => throw new BadInputException($"dataset format must be csv, arrow or parquet, not '{format}'"),
            };
            var dataset = await cache.ComputeAsync(() => ColumnarFiles.Read(content.AsMemory(0, at), dataFormat, source));
            if (dataset.Id != Id)
                throw new BadInputException($"dataset upload: the bytes have the id {dataset.Id}, not {Id}");
            return await store.SaveAsync(dataset);
        }
        finally
        {
            _parts.Clear();
            _bytes = 0;
            DeactivateOnIdle();
        }
    }
}
