using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansRca.Grains;
using OrleansRca.Grains.Workflows;
using OrleansRca.Hosting;

namespace OrleansRca.Cluster.Tests;

/// <summary><c>serve</c> on localhost keeps no reminders; its results still expire (here after 2 s), by the silo's sweep.</summary>
public sealed class ServeExpiryTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _app = RcaHost.BuildServer(new ServeOptions
        {
            Urls = "http://127.0.0.1:0", SiloPort = RcaHost.FreeTcpPort(), GatewayPort = RcaHost.FreeTcpPort(),
            ClusterId = $"serve-expiry-tests-{Guid.NewGuid():N}",
            Service = new ServiceOptions { Retention = TimeSpan.FromSeconds(2) },
        }, builder => RcaHost.QuietLogging(builder.Logging));
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_finished_analysis_answers_404_after_the_retention_and_leaves_nothing_queued()
    {
        Assert.False(_app.Services.GetRequiredService<IOptions<AnalysisLifetimeOptions>>().Value.UseReminders);
        var expiry = _app.Services.GetRequiredService<AnalysisExpiry>();
        var post = await _http.PostAsync("/v1/analyses/mediation",
            new StringContent(TestAnalyses.Request(rows: 100, seed: 40).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var location = post.Headers.Location!;

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonObject document;
        do document = (await _http.GetFromJsonAsync<JsonObject>(location))!;
        while ((string?)document["status"] is "queued" or "running" && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal("succeeded", (string?)document["status"]);

        // Gone within the retention plus the sweep's second (30 s allowed: a busy shared machine).
        HttpStatusCode status;
        deadline = DateTime.UtcNow.AddSeconds(30);
        do status = (await _http.GetAsync(location)).StatusCode;
        while (status != HttpStatusCode.NotFound && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(0, expiry.Count);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }
}
