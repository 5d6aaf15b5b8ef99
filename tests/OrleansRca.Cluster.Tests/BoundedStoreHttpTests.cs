using Microsoft.Extensions.DependencyInjection;
using OrleansRca.Grains.Datasets;

namespace OrleansRca.Cluster.Tests;

/// <summary>
/// A <c>serve</c> process whose dataset store holds 1 MiB of columns: two tables of 6,000 rows (10 columns,
/// 481,664 bytes each with the store's overhead) fit, a third does not.
/// </summary>
public sealed class BoundedStoreHttpTests : IAsyncLifetime
{
    private const int Rows = 6000;
    private readonly ServeProcess _server = new(ServeProcess.LocalOptions("bounded-store") with
    {
        Service = new ServiceOptions { DatasetStoreBytes = ServiceOptions.MinimumBoundBytes, DatasetCacheBytes = ServiceOptions.MinimumBoundBytes },
    });

    private InMemoryDatasetStore _store = null!;

    private HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        _store = Assert.IsType<InMemoryDatasetStore>(_server.App.Services.GetRequiredService<IDatasetStore>());
    }

    public Task DisposeAsync() => _server.DisposeAsync();

    private async Task<HttpResponseMessage> UploadAsync(int seed, int rows = Rows) =>
        await Http.PostAsync("/v1/datasets", Csv(TestAnalyses.Csv(rows, seed)));

    private async Task<string> UploadedAsync(int seed)
    {
        var response = await UploadAsync(seed);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    [Fact]
    public async Task An_upload_that_cannot_fit_is_413_naming_the_bound_and_waits_for_pins_with_retry_after()
    {
        Assert.Equal(ServiceOptions.MinimumBoundBytes, _store.CapacityBytes);
        // Larger than the whole store: 413 for good, no Retry-After.
        var tooLarge = await UploadAsync(seed: 41, rows: 20_000);
        await HttpAssert.ProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, $"more than this server's dataset store holds ({ServiceOptions.MinimumBoundBytes} bytes; serve --dataset-store-bytes)");
        Assert.Null(tooLarge.Headers.RetryAfter);

        // Two tables held by running analyses (pinned as the API pins them): a third cannot take their room.
        var a = await UploadedAsync(42);
        var b = await UploadedAsync(43);
        _store.Pin("running-1", a);
        _store.Pin("running-2", b);
        var full = await UploadAsync(44);
        await HttpAssert.ProblemAsync(full, HttpStatusCode.RequestEntityTooLarge, "running analyses hold");
        Assert.NotNull(full.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"/v1/datasets/{a}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"/v1/datasets/{b}")).StatusCode);

        // One finishes: its table makes way.
        _store.Release("running-1");
        var c = await UploadedAsync(44);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/v1/datasets/{a}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"/v1/datasets/{c}")).StatusCode);
        _store.Release("running-2");
    }

    [Fact]
    public async Task An_analysis_pins_its_tables_until_it_finishes_and_its_inline_table_goes_before_uploads()
    {
        var uploaded = await UploadedAsync(51);
        var request = TestAnalyses.Request(rows: Rows, seed: 52);
        var post = await Http.PostAsync("/v1/analyses/mediation", Json(request));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        await HttpAssert.SucceededAsync(Http, post.Headers.Location!);
        var inline = OrleansRca.Causal.Data.Dataset.IdOf(Encoding.UTF8.GetBytes((string)request["data"]!));

        // The orchestrator releases the pins when it finishes (just after the status says so).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_store.PinnedBytes > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, _store.PinnedBytes);

        // A new upload needs room: the finished analysis' inline table goes, although the upload is older.
        await UploadedAsync(53);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/v1/datasets/{inline}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"/v1/datasets/{uploaded}")).StatusCode);

        // A refused submit (its table lacks the model's columns) releases at once what it pinned.
        var bad = TestAnalyses.Request(rows: 10, seed: 54);
        bad["data"] = "a,b\n1,2\n3,4\n";
        var refused = await Http.PostAsync("/v1/analyses/mediation", Json(bad));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(0, _store.PinnedBytes);
    }
}
