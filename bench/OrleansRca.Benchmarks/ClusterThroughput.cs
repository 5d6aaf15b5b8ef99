using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansRca.Hosting;

namespace OrleansRca.Benchmarks;

/// <summary>
/// Throughput of a PostgreSQL cluster of 1, 2 and 3 <c>rca serve</c> processes on this machine: the same
/// batch of mediation analyses over one uploaded dataset, submitted round robin to the silos' HTTP APIs,
/// from the first submit to the last result; with each silo's share of the project's grain activations
/// (<c>GET /v1/cluster</c>) and its peak memory. Needs the built CLI and <c>RCA_TEST_POSTGRES</c> (a user
/// who may create databases).
/// </summary>
public static class ClusterThroughput
{
    public static IEnumerable<(string Name, double Ms, string Note)> Run(bool quick, string repo)
    {
        var admin = Environment.GetEnvironmentVariable("RCA_TEST_POSTGRES")
            ?? throw new InvalidOperationException("set RCA_TEST_POSTGRES to a PostgreSQL connection string of a user who may create databases");
        var cli = Path.Combine(repo, "src", "OrleansRca.Cli", "bin", "Release", "net10.0", "rca.dll");
        if (!File.Exists(cli)) throw new FileNotFoundException($"build the CLI first: dotnet build src/OrleansRca.Cli -c Release ({cli})");

        var rows = quick ? 5_000 : 20_000;
        var analyses = quick ? 6 : 24;
        var model = RandomModels.Mediation(60, 10, 40, nonlinearShare: 0.5, seed: 60);
        var csv = SyntheticData.ToCsv(SyntheticData.Generate(model, null, rows, seed: 60));
        var job = $"{analyses} mediation analyses, 60 nodes, 10x40 pairs, {rows:N0} rows each";
        var body = new JsonObject { ["model"] = ModelFile.ToJson(model) };

        foreach (var silos in new[] { 1, 2, 3 })
        {
            var database = $"rca_bench_{Guid.NewGuid():N}"[..24];
            Execute(admin, $"CREATE DATABASE {database}");
            var connection = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
            var processes = Enumerable.Range(0, silos).Select(i => Silo.Start(cli, connection, $"bench-{silos}", $"silo-{i + 1}")).ToList();
            try
            {
                foreach (var p in processes) p.WaitHealthy();
                var http = processes.Select(p => p.Http).ToList();
                using (var upload = new StringContent(csv, Encoding.UTF8, "text/csv"))
                {
                    var response = http[0].PostAsync("/v1/datasets", upload).GetAwaiter().GetResult();
                    response.EnsureSuccessStatusCode();
                    body["data"] = new JsonObject { ["dataset"] = (string)response.Content.ReadFromJsonAsync<JsonObject>().GetAwaiter().GetResult()!["id"]! };
                }
                // One analysis per silo first: JIT and each silo's caches, as a long-running service has them.
                RunBatch(http, body, silos);
                var clock = Stopwatch.StartNew();
                RunBatch(http, body, analyses);
                var seconds = clock.Elapsed.TotalSeconds;

                var cluster = http[0].GetFromJsonAsync<JsonObject>("/v1/cluster").GetAwaiter().GetResult()!;
                var counts = cluster["silos"]!.AsArray().Select(s => (long)s!["activations"]!).ToList();
                var total = Math.Max(1, counts.Sum());
                var shares = string.Join("/", counts.Select(c => (100.0 * c / total).ToString("F0", CultureInfo.InvariantCulture)));
                var peak = string.Join("/", processes.Select(p => p.PeakMegabytes().ToString("F0", CultureInfo.InvariantCulture)));
                yield return ($"{silos} silo process(es): {job}", seconds * 1000,
                    $"{analyses / seconds:F2} analyses/s; grain activations per silo {shares} %; peak MB per silo {peak}");
            }
            finally
            {
                foreach (var p in processes) p.Dispose();
                NpgsqlConnection.ClearAllPools();
                Execute(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
        }
    }

    /// <summary>Submits <paramref name="count"/> analyses round robin and polls until every one succeeded.</summary>
    private static void RunBatch(List<HttpClient> http, JsonObject body, int count)
    {
        var text = body.ToJsonString();
        var locations = new List<(HttpClient Http, Uri Location)>();
        for (var k = 0; k < count; k++)
        {
            var client = http[k % http.Count];
            var post = client.PostAsync("/v1/analyses/mediation", new StringContent(text, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
            if (!post.IsSuccessStatusCode) throw new InvalidOperationException($"submit: {(int)post.StatusCode} {post.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            locations.Add((client, post.Headers.Location!));
        }
        foreach (var (client, location) in locations)
        {
            JsonObject doc;
            while (true)
            {
                doc = client.GetFromJsonAsync<JsonObject>(location).GetAwaiter().GetResult()!;
                if ((string?)doc["status"] is not ("queued" or "running")) break;
                Thread.Sleep(20);
            }
            if ((string?)doc["status"] != "succeeded") throw new InvalidOperationException(doc.ToJsonString());
        }
    }

    private static void Execute(string connection, string sql)
    {
        using var c = new NpgsqlConnection(connection);
        c.Open();
        using var command = new NpgsqlCommand(sql, c);
        command.ExecuteNonQuery();
    }

    /// <summary>One <c>rca serve --clustering adonet</c> process on 127.0.0.1.</summary>
    private sealed class Silo : IDisposable
    {
        private readonly Process _process;

        private Silo(Process process, HttpClient http)
        {
            _process = process;
            Http = http;
        }

        public HttpClient Http { get; }

        public static Silo Start(string cli, string connection, string clusterId, string name)
        {
            var port = RcaHost.FreeTcpPort();
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                cli, "serve", "--clustering", "adonet", "--connection", connection, "--cluster-id", clusterId, "--silo-name", name,
                "--urls", $"http://127.0.0.1:{port}", "--advertise", "127.0.0.1",
                "--silo-port", RcaHost.FreeTcpPort().ToString(CultureInfo.InvariantCulture), "--gateway-port", RcaHost.FreeTcpPort().ToString(CultureInfo.InvariantCulture),
            }) start.ArgumentList.Add(arg);
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new Silo(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) });
        }

        public void WaitHealthy()
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                if (_process.HasExited) throw new InvalidOperationException($"a silo exited with {_process.ExitCode}");
                try
                {
                    if (Http.GetAsync("/healthz").GetAwaiter().GetResult().IsSuccessStatusCode) return;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                Thread.Sleep(200);
            }
            throw new TimeoutException("a silo was not healthy within 2 minutes");
        }

        /// <summary>The process' peak resident memory (VmHWM), in MB.</summary>
        public double PeakMegabytes()
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
            _process.Dispose();
            Http.Dispose();
        }
    }
}
