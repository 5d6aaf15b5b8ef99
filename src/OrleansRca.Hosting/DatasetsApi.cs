using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansRca.Hosting;

/// <summary>What <c>POST /v1/datasets</c> and <c>GET /v1/datasets/{id}</c> answer (contract section 6).</summary>
public sealed record DatasetDocument(
    string Id,
    int Rows,
    string[] Columns,
    [property: JsonPropertyName("non_numeric_columns")] string[] NonNumericColumns,
    long Bytes)
{
    public static DatasetDocument From(DatasetInfo i) => new(i.Id, i.Rows, i.Columns, i.NonNumericColumns, i.Bytes);
}

/// <summary>Datasets: data sent once (CSV, Arrow IPC stream or Parquet), named by a content-derived id in any number of analyses.</summary>
public static class DatasetsApi
{
    public static RouteGroupBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/datasets").WithTags("Datasets").RequireRateLimiting(RcaService.RatePolicy);
        group.MapPost("/", UploadAsync)
            .WithName("UploadDataset")
            .WithSummary("Upload a table (text/csv, application/vnd.apache.arrow.stream or application/vnd.apache.parquet); the id is derived from the bytes.")
            .Accepts<string>("text/csv", "application/vnd.apache.arrow.stream", "application/vnd.apache.parquet")
            .Produces<DatasetDocument>(StatusCodes.Status201Created)
            .ProducesUploadProblems();
        group.MapGet("/{id}", DescribeAsync)
            .WithName("GetDataset")
            .WithSummary("A dataset's id, rows and columns.");
        return group;
    }

    public static async Task<Results<Created<DatasetDocument>, ProblemHttpResult>> UploadAsync(
        HttpRequest http, IDatasetStore store, AnalysisCache cache, ServiceOptions limits, CancellationToken cancellationToken)
    {
        var format = ColumnarFiles.FormatOfContentType(http.ContentType);
        if (format is null)
            return AnalysesApi.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"'{http.ContentType}' is not a dataset format; send text/csv, application/vnd.apache.arrow.stream or application/vnd.apache.parquet");
        byte[] content;
        try
        {
            content = await ReadBodyAsync(http, cancellationToken);
        }
        catch (BadHttpRequestException e)
        {
            return AnalysesApi.Problem(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request", e.Message);
        }
        catch (EndOfStreamException)
        {
            return AnalysesApi.Problem(StatusCodes.Status400BadRequest, "Bad request", "the body ended before the length its Content-Length announced");
        }
        if (content.Length == 0) return AnalysesApi.Problem(StatusCodes.Status400BadRequest, "Bad input", "the dataset is empty");

        var id = Dataset.IdOf(content);
        var info = await store.DescribeAsync(id, cancellationToken);
        if (info is not null)
        {
            if (TooManyRows(info.Rows, limits) is { } refused) return refused;
            store.MarkUploaded(id);
        }
        else
        {
            try
            {
                // Parsed once, in the silo's compute slots; analyses over it parse nothing.
                var dataset = await cache.ComputeAsync(() => ColumnarFiles.Read(content, format.Value, "dataset", id: id), cancellationToken);
                if (TooManyRows(dataset.Rows, limits) is { } refused) return refused;
                info = await store.SaveAsync(dataset, DatasetOrigin.Upload, cancellationToken);
            }
            catch (BadInputException e)
            {
                return AnalysesApi.Problem(StatusCodes.Status400BadRequest, "Bad input", e.Message);
            }
            catch (DatasetStoreFullException e)
            {
                return AnalysesApi.StoreFull(http, e);
            }
        }
        return TypedResults.Created($"/v1/datasets/{id}", DatasetDocument.From(info));
    }

    /// <summary>
    /// The body in one array, allocated once from Content-Length when the server's body limit admits that length
    /// (Kestrel still enforces the limit as it reads), else grown as it arrives: a 117 MB upload was copied three
    /// times through a growing MemoryStream.
    /// </summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var limit = Math.Min(http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue, Array.MaxLength);
        if (http.ContentLength is long length && length <= limit)
        {
            var content = GC.AllocateUninitializedArray<byte>((int)length);
            await http.Body.ReadExactlyAsync(content, cancellationToken);
            return content;
        }
        using var buffer = new MemoryStream();
        await http.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>The per-request rows limit, as for an analysis' tables; 413: the upload is the table, and it is too large.</summary>
    private static ProblemHttpResult? TooManyRows(int rows, ServiceOptions limits) => rows > limits.MaxRows
        ? AnalysesApi.Problem(StatusCodes.Status413PayloadTooLarge, "Too many rows", $"dataset: {rows} rows is more than this server accepts ({limits.MaxRows}; serve --max-rows)")
        : null;

    public static async Task<Results<Ok<DatasetDocument>, ProblemHttpResult>> DescribeAsync(string id, IDatasetStore store, CancellationToken cancellationToken)
    {
        var info = Dataset.IsId(id) ? await store.DescribeAsync(id, cancellationToken) : null;
        return info is null
            ? AnalysesApi.Problem(StatusCodes.Status404NotFound, "Unknown dataset", $"no dataset has the id '{id}'")
            : TypedResults.Ok(DatasetDocument.From(info));
    }
}
