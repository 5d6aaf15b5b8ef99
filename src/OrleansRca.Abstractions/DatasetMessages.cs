namespace OrleansRca.Abstractions;

/// <summary>What <c>GET /v1/datasets/{id}</c> and an upload answer: the id, the row count and the column names.</summary>
[GenerateSerializer, Immutable, Alias("rca.DatasetInfo")]
public sealed record DatasetInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] int Rows,
    [property: Id(2)] string[] Columns,
    /// <summary>Columns that are not numeric (kept out; an analysis that needs one is told why).</summary>
    [property: Id(3)] string[] NonNumericColumns,
    [property: Id(4)] long Bytes);

/// <summary>
/// A dataset by id, for clients outside the silo process (the CLI with <c>--cluster</c>): describe it, or
/// upload its bytes in parts and commit them. The silo parses and stores them once; the id is checked
/// against the content, so a client cannot store data under another content's id.
/// </summary>
[Alias("rca.IDatasetGrain")]
public interface IDatasetGrain : IGrainWithStringKey
{
    /// <summary>Null when no dataset has this id.</summary>
    [AlwaysInterleave, Alias("Describe")]
    Task<DatasetInfo?> DescribeAsync();

    /// <summary>Part <paramref name="index"/> of the bytes (parts of about a megabyte; any order).</summary>
    [Alias("Append")]
    Task AppendAsync(int index, byte[] part);

    /// <summary>Parses and stores the <paramref name="parts"/> parts appended so far as <paramref name="format"/> (csv, arrow, parquet).</summary>
    [Alias("Commit"), ResponseTimeout("00:05:00")]
    Task<DatasetInfo> CommitAsync(int parts, string format, string source);
}
