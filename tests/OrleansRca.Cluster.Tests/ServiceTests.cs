using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace OrleansRca.Cluster.Tests;

/// <summary>
/// A <c>serve</c> process with an API key, small input limits, every trace sampled into memory, and a log that
/// records every line (to prove the key never appears in it).
/// </summary>
public sealed class SecuredServerFixture() : ServeProcess(LocalOptions("secured") with
{
    Service = new ServiceOptions { ApiKey = Key, MaxModelNodes = 12, MaxFormulaLength = 200, MaxRows = 1000, TraceSampling = 1 },
})
{
    public const string Key = "test-key-0123456789abcdef";

    public List<Activity> Spans { get; } = [];
    public ConcurrentQueue<string> LogLines { get; } = new();

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(new RecordingLoggerProvider(LogLines));
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans));
    }

    private sealed class RecordingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(lines, categoryName);

        public void Dispose() { }

        private sealed class Recorder(ConcurrentQueue<string> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredServerCollection : ICollectionFixture<SecuredServerFixture>
{
    public const string Name = "secured server";
}

[Collection(SecuredServerCollection.Name)]
public sealed class SecurityTests(SecuredServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Every_v1_route_needs_the_key_and_health_metrics_stay_open()
    {
        var example = ApiExamples.Request(AnalysisKinds.Mediation);
        foreach (var request in new Func<HttpRequestMessage>[]
        {
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/analyses/mediation") { Content = Json(example) },
            () => new HttpRequestMessage(HttpMethod.Get, $"/v1/analyses/{OrleansRca.Abstractions.GrainKeys.NewAnalysisId()}"),
            () => new HttpRequestMessage(HttpMethod.Delete, $"/v1/analyses/{OrleansRca.Abstractions.GrainKeys.NewAnalysisId()}"),
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/datasets") { Content = Csv("a,b\n1,2\n") },
            () => new HttpRequestMessage(HttpMethod.Get, "/v1/datasets/abc"),
        })
        {
            var missing = await Http.SendAsync(request());
            await HttpAssert.ProblemAsync(missing, HttpStatusCode.Unauthorized, "Authorization: Bearer");
            Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);

            var wrong = request();
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredServerFixture.Key + "x");
            await HttpAssert.ProblemAsync(await Http.SendAsync(wrong), HttpStatusCode.Unauthorized, null);

            var right = request();
            right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredServerFixture.Key);
            var answer = await Http.SendAsync(right);
            Assert.NotEqual(HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.True((int)answer.StatusCode < 500, $"{right.Method} {right.RequestUri}: {answer.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/openapi/v1.json")).StatusCode);
        // The key never reaches a log line, at any level.
        Assert.DoesNotContain(fixture.LogLines, line => line.Contains(SecuredServerFixture.Key, StringComparison.Ordinal));
        Assert.DoesNotContain(SecuredServerFixture.Key, fixture.Options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limits_on_model_size_formula_length_and_rows_are_400_naming_them()
    {
        var model = TestAnalyses.Model();
        for (var i = 0; i < 5; i++) model["nodes"]!.AsArray().Add(new JsonObject { ["name"] = $"extra{i}" });
        await HttpAssert.ProblemAsync(await PostAsync("mediation", new JsonObject { ["model"] = model, ["data"] = "x\n1\n" }),
            HttpStatusCode.BadRequest, "14 nodes is more than this server accepts (12; serve --max-model-nodes)");

        var longFormula = TestAnalyses.Model();
        longFormula["mechanisms"]!["O"]!["expression"] = string.Join(" + ", Enumerable.Repeat("M1", 100));
        await HttpAssert.ProblemAsync(await PostAsync("mediation", new JsonObject { ["model"] = longFormula, ["data"] = TestAnalyses.Csv(10, 1) }),
            HttpStatusCode.BadRequest, "the formula of 'O' has 497 characters, more than this server accepts (200; serve --max-formula-length)");

        await HttpAssert.ProblemAsync(await PostAsync("mediation", TestAnalyses.Request(rows: 1001)),
            HttpStatusCode.BadRequest, "data: 1001 rows is more than this server accepts (1000; serve --max-rows)");
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync("mediation", TestAnalyses.Request(rows: 1000))).StatusCode);
    }

    [Fact]
    public async Task The_rows_limit_applies_to_uploads_as_413_naming_it_for_csv_and_arrow()
    {
        await HttpAssert.ProblemAsync(await UploadAsync(Csv(TestAnalyses.Csv(1001, 31))),
            HttpStatusCode.RequestEntityTooLarge, "dataset: 1001 rows is more than this server accepts (1000; serve --max-rows)");
        await HttpAssert.ProblemAsync(await UploadAsync(Arrow(TestAnalyses.Csv(1001, 32))),
            HttpStatusCode.RequestEntityTooLarge, "dataset: 1001 rows is more than this server accepts (1000; serve --max-rows)");

        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(Csv(TestAnalyses.Csv(1000, 31)))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(Arrow(TestAnalyses.Csv(1000, 32)))).StatusCode);
    }

    /// <summary>The CSV's columns as an Arrow IPC stream of doubles.</summary>
    private static ByteArrayContent Arrow(string csv)
    {
        var lines = csv.Trim().Split('\n');
        var names = lines[0].Split(',');
        var columns = names.Select((_, c) => lines.Skip(1).Select(l => double.Parse(l.Split(',')[c], System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var schema = new Apache.Arrow.Schema(names.Select(n => new Apache.Arrow.Field(n, Apache.Arrow.Types.DoubleType.Default, false)), null);
        using var stream = new MemoryStream();
        using (var writer = new Apache.Arrow.Ipc.ArrowStreamWriter(stream, schema))
        {
            writer.WriteRecordBatch(new Apache.Arrow.RecordBatch(schema,
                columns.Select(c => (Apache.Arrow.IArrowArray)new Apache.Arrow.DoubleArray.Builder().AppendRange(c).Build()), columns[0].Length));
            writer.WriteEnd();
        }
        var content = new ByteArrayContent(stream.ToArray());
        content.Headers.ContentType = new("application/vnd.apache.arrow.stream");
        return content;
    }

    private Task<HttpResponseMessage> UploadAsync(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredServerFixture.Key);
        return Http.SendAsync(request);
    }

    [Fact]
    public async Task One_trace_spans_the_http_request_and_several_grains()
    {
        var post = await PostAsync("mediation", TestAnalyses.Request(rows: 200, seed: 3));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var id = (string)(await post.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await HttpAssert.SucceededAsync(Http, post.Headers.Location!, SecuredServerFixture.Key);

        List<Activity> spans;
        lock (fixture.Spans) spans = [.. fixture.Spans];
        var run = Assert.Single(spans, s => s.Source.Name == OrleansRca.Grains.RcaTracing.SourceName && (string?)s.GetTagItem("rca.analysis.id") == id);
        var trace = spans.Where(s => s.TraceId == run.TraceId).ToList();
        Assert.Contains(trace, s => s.Source.Name == "Microsoft.AspNetCore");
        // Orleans names a grain call's span INTERFACE/METHOD.
        var grains = trace.Select(s => s.DisplayName.Split('/')[0]).Where(n => n.EndsWith("Grain", StringComparison.Ordinal) && !n.Contains("Reminder", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Contains("IAnalysisOrchestratorGrain", grains);
        Assert.True(grains.Count >= 3, $"grains in the trace: {string.Join(", ", grains)}; spans: {string.Join(", ", trace.Select(s => s.DisplayName).Distinct())}");
    }

    private Task<HttpResponseMessage> PostAsync(string kind, JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/analyses/{kind}") { Content = Json(body.ToJsonString()) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredServerFixture.Key);
        return Http.SendAsync(request);
    }
}

/// <summary>A server whose rate limit is small enough to reach in a test.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly ServeProcess _server = new(ServeProcess.LocalOptions("rate") with
    {
        Service = new ServiceOptions { RateLimitPerSecond = 5, RateLimitBurst = 5 },
    });

    private HttpClient Http => _server.Http;

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Over_the_rate_a_client_gets_429_with_retry_after_and_health_stays_open()
    {
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 20; i++) answers.Add(await Http.GetAsync($"/v1/analyses/{OrleansRca.Abstractions.GrainKeys.NewAnalysisId()}"));

        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.NotFound);
        var limited = answers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        await HttpAssert.ProblemAsync(limited, HttpStatusCode.TooManyRequests, "more than 5 requests per second");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 5);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/healthz")).StatusCode);

        await Task.Delay(limited.Headers.RetryAfter.Delta.Value);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/v1/analyses/{OrleansRca.Abstractions.GrainKeys.NewAnalysisId()}")).StatusCode);
    }
}

/// <summary>
/// The rate limiter's buckets with the API key on: there is one key, which every client presents, so a bucket per
/// credential would be one bucket for all; the limiter keys on the remote address instead (README, Security).
/// </summary>
public sealed class KeyedRateLimitTests : IAsyncLifetime
{
    private const string Key = "rate-key-0123456789abcdef";
    private readonly ServeProcess _server = new(ServeProcess.LocalOptions("keyed-rate") with
    {
        Service = new ServiceOptions { ApiKey = Key, RateLimitPerSecond = 5, RateLimitBurst = 5 },
    });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    /// <summary>A client whose connections leave from <paramref name="source"/> (any 127.x address is the loopback on Linux).</summary>
    private HttpClient ClientFrom(string source)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = _server.Http.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    [Fact]
    public async Task Two_addresses_with_the_same_key_have_separate_buckets()
    {
        using var first = ClientFrom("127.0.0.1");
        using var second = ClientFrom("127.0.0.2");
        string Unknown() => $"/v1/analyses/{OrleansRca.Abstractions.GrainKeys.NewAnalysisId()}";

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++) answers.Add((await first.GetAsync(Unknown())).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, answers);

        // The first client's bucket is empty; the second's is full although it sends the same credential.
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.NotFound, (await second.GetAsync(Unknown())).StatusCode);
    }
}
