using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HdrHistogram;

// Load against a running `rca serve` (contract section 6): workers submit small analyses (inline CSV, or over
// an uploaded dataset), poll each to its end, and record submit-to-result latency in HdrHistogram. A discarded
// warm-up, then a run bounded by count and by time; with --soak, one line per interval (rate, p99, server memory).
var options = LoadOptions.Parse(args);
// One client per server (--url a,b,c: a cluster's silos); worker w talks to server w mod n.
var clients = options.Url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url =>
{
    var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Workers * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = new Uri(url),
        Timeout = TimeSpan.FromSeconds(60),
    };
    if (options.ApiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
    return client;
}).ToArray();
var http = clients[0];

var errors = 0L;
var completed = 0L;
var datasetId = await Requests.UploadDatasetAsync(http);
Console.WriteLine($"dataset {datasetId}; warm-up {options.Warmup} analyses");
await Run(options.Warmup, TimeSpan.FromMinutes(2), null);

var total = new LongHistogram(TimeStamp.Minutes(10), 3);
var curve = new List<string> { "elapsed_s,completed,rate_per_s,p50_ms,p99_ms,max_ms,errors,server_rss_mb" };
var stopwatch = Stopwatch.StartNew();
var sampler = options.SampleEvery is { } every ? Task.Run(async () =>
{
    var last = 0L;
    while (stopwatch.Elapsed < options.Duration && Interlocked.Read(ref completed) < options.Count)
    {
        await Task.Delay(every);
        Interval interval;
        lock (Interval.Gate) { interval = Interval.Current; Interval.Current = new Interval(); }
        var done = Interlocked.Read(ref completed);
        curve.Add(string.Create(CultureInfo.InvariantCulture,
            $"{stopwatch.Elapsed.TotalSeconds:F0},{done},{(done - last) / every.TotalSeconds:F0},{Ms(interval.Histogram.GetValueAtPercentile(50))},{Ms(interval.Histogram.GetValueAtPercentile(99))},{Ms(interval.Histogram.GetMaxValue())},{Interlocked.Read(ref errors)},{options.ServerPids.Sum(ServerMemory.RssMb):F0}"));
        Console.WriteLine(curve[^1]);
        last = done;
    }
}) : Task.CompletedTask;
await Run(options.Count, options.Duration, total);
var elapsed = stopwatch.Elapsed;
await sampler;

var summary = new JsonObject
{
    ["url"] = options.Url,
    ["workers"] = options.Workers,
    ["dataset_share"] = options.DatasetShare,
    ["warmup"] = options.Warmup,
    ["completed"] = completed,
    ["errors"] = errors,
    ["seconds"] = Math.Round(elapsed.TotalSeconds, 1),
    ["per_second"] = Math.Round(completed / elapsed.TotalSeconds, 1),
    ["p50_ms"] = Ms(total.GetValueAtPercentile(50)),
    ["p95_ms"] = Ms(total.GetValueAtPercentile(95)),
    ["p99_ms"] = Ms(total.GetValueAtPercentile(99)),
    ["max_ms"] = Ms(total.GetMaxValue()),
    ["server_peak_rss_mb"] = options.ServerPids.Sum(ServerMemory.PeakMb),
};
Console.WriteLine(summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
if (options.Output is { } output)
{
    await File.WriteAllTextAsync(output, summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    if (options.SampleEvery is not null) await File.WriteAllLinesAsync(Path.ChangeExtension(output, ".curve.csv"), curve);
}
return errors == 0 ? 0 : 1;

async Task Run(int count, TimeSpan duration, LongHistogram? into)
{
    var deadline = Stopwatch.StartNew();
    var next = -1;
    await Parallel.ForEachAsync(Enumerable.Range(0, options.Workers), new ParallelOptions { MaxDegreeOfParallelism = options.Workers }, async (worker, _) =>
    {
        var random = new Random(worker);
        var mine = new LongHistogram(TimeStamp.Minutes(10), 3);
        while (Interlocked.Increment(ref next) < count && deadline.Elapsed < duration)
        {
            var started = Stopwatch.GetTimestamp();
            var ok = await Requests.RunOneAsync(clients[worker % clients.Length], random.NextDouble() < options.DatasetShare ? datasetId : null, random);
            var micros = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            if (into is null) continue;
            if (!ok) { Interlocked.Increment(ref errors); continue; }
            mine.RecordValue(micros);
            Interlocked.Increment(ref completed);
            lock (Interval.Gate) Interval.Current.Histogram.RecordValue(micros);
        }
        if (into is not null) lock (into) into.Add(mine);
    });
}

static double Ms(long micros) => Math.Round(micros / 1000.0, 2);

internal sealed class Interval
{
    public static readonly Lock Gate = new();
    public static Interval Current = new();
    public LongHistogram Histogram { get; } = new(TimeStamp.Minutes(10), 3);
}

internal static class Requests
{
    private const string Model = """
        {"nodes": [{"name": "load", "role": "treatment"}, {"name": "queue", "role": "mediator"}, {"name": "latency", "role": "outcome"}],
         "edges": [["load", "queue"], ["load", "latency"], ["queue", "latency"]],
         "mechanisms": {"queue": {"kind": "linear", "intercept": 1.0, "weights": {"load": 0.5}},
                        "latency": {"kind": "linear", "intercept": 2.0, "weights": {"load": 0.1, "queue": 0.3}}}}
        """;

    /// <summary>Small inline data: 50 rows, a few KB, different per request (so each is a new dataset id).</summary>
    public static string Csv(Random random, int rows)
    {
        var csv = new StringBuilder("load,queue,latency\n");
        for (var r = 0; r < rows; r++)
        {
            var load = random.NextDouble() * 10;
            var queue = 1 + 0.5 * load + random.NextDouble() * 0.2;
            csv.Append(CultureInfo.InvariantCulture, $"{load:F4},{queue:F4},{2 + 0.1 * load + 0.3 * queue + random.NextDouble() * 0.1:F4}\n");
        }
        return csv.ToString();
    }

    public static async Task<string> UploadDatasetAsync(HttpClient http)
    {
        var response = await http.PostAsync("/v1/datasets", new StringContent(Csv(new Random(7), 5000), Encoding.UTF8, "text/csv"));
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"dataset upload: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
    }

    /// <summary>Submit, then poll (1 ms doubling to 50 ms) until succeeded or failed; true when it succeeded.</summary>
    public static async Task<bool> RunOneAsync(HttpClient http, string? datasetId, Random random)
    {
        var data = datasetId is null ? JsonSerializer.Serialize(Csv(random, 50)) : $$"""{"dataset": "{{datasetId}}"}""";
        var body = $$"""{"model": {{Model}}, "data": {{data}}, "treated": "+{{random.Next(10, 90)}}%"}""";
        try
        {
            using var post = await http.PostAsync("/v1/analyses/mediation", new StringContent(body, Encoding.UTF8, "application/json"));
            if (post.StatusCode != HttpStatusCode.Accepted) { Report($"submit {(int)post.StatusCode}: {await post.Content.ReadAsStringAsync()}"); return false; }
            var location = post.Headers.Location!;
            var delay = 1.0;
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delay));
                delay = Math.Min(50, delay * 2);
                using var get = await http.GetAsync(location);
                if (get.StatusCode != HttpStatusCode.OK) { Report($"poll {(int)get.StatusCode}"); return false; }
                var status = (string?)JsonNode.Parse(await get.Content.ReadAsStringAsync())!["status"];
                if (status == "succeeded") return true;
                if (status == "failed") { Report("analysis failed"); return false; }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Report(e.Message);
            return false;
        }
    }

    private static int _reported;

    private static void Report(string error)
    {
        if (Interlocked.Increment(ref _reported) <= 5) Console.Error.WriteLine($"error: {error}");
    }
}

internal static class ServerMemory
{
    /// <summary>Resident memory of a server process (Linux /proc).</summary>
    public static double RssMb(int pid) => Read(pid, "VmRSS:");

    /// <summary>Peak resident memory (VmHWM) of the server process.</summary>
    public static double PeakMb(int pid) => Read(pid, "VmHWM:");

    private static double Read(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : Math.Round(long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0, 1);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

internal sealed record LoadOptions(string Url, string? ApiKey, int Workers, int Count, TimeSpan Duration, int Warmup, double DatasetShare,
    TimeSpan? SampleEvery, int[] ServerPids, string? Output)
{
    public static LoadOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        double Number(string name, double fallback) => Value(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var known = new[] { "--url", "--api-key-file", "--workers", "--count", "--seconds", "--warmup", "--dataset-share", "--sample-every", "--server-pid", "--out" };
        foreach (var a in args.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
            if (!known.Contains(a)) throw new ArgumentException($"unknown option {a}; options: {string.Join(' ', known)}");
        return new LoadOptions(
            Value("--url") ?? "http://127.0.0.1:5080",
            Value("--api-key-file") is { } keyFile ? File.ReadAllText(keyFile).Trim() : Environment.GetEnvironmentVariable("RCA_API_KEY"),
            (int)Number("--workers", 32),
            (int)Number("--count", 20_000),
            TimeSpan.FromSeconds(Number("--seconds", 60)),
            (int)Number("--warmup", 500),
            Number("--dataset-share", 0.2),
            Value("--sample-every") is { } s ? TimeSpan.FromSeconds(double.Parse(s, CultureInfo.InvariantCulture)) : null,
            Value("--server-pid") is { } pids ? pids.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray() : [],
            Value("--out"));
    }
}
