using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OrleansRca.Hosting;

namespace OrleansRca.Benchmarks;

/// <summary>
/// What the user runs, timed whole: the built CLI and the precompiled one (out/rca, when published) from files to JSON beside a numpy + pandas script of the
/// same job (bench/mediate_numpy.py) in the same run, both through bench/peak.py (wall time, peak RSS);
/// CSV to columns in-process; and the HTTP service: one upload, then analyses by reference.
/// The job: 60 nodes (about half nonlinear formulas), 10 treatments x 40 mediators, 100,000 rows.
/// </summary>
public static class EndToEnd
{
    /// <summary>Where README's daily-use install puts the precompiled CLI, from the repository root.</summary>
    public static readonly string PrecompiledCli = Path.Combine("out", "rca", "rca");

    public static IEnumerable<(string Name, double Ms, string Note)> Run(bool quick, string repo)
    {
        var rows = quick ? 20_000 : 100_000;
        var repeats = quick ? 1 : 3;
        var dir = Path.Combine(Path.GetTempPath(), $"rca-e2e-{rows}");
        Directory.CreateDirectory(dir);
        var modelPath = Path.Combine(dir, "model.json");
        var dataPath = Path.Combine(dir, "data.csv");
        var model = RandomModels.Mediation(60, 10, 40, nonlinearShare: 0.5, seed: 60);
        var formulas = model.Mechanisms.Count(m => m is FormulaMechanism);
        if (!File.Exists(dataPath))
        {
            File.WriteAllText(modelPath, ModelFile.ToJson(model).ToJsonString());
            File.WriteAllText(dataPath, SyntheticData.ToCsv(SyntheticData.Generate(model, null, rows, seed: 60)));
        }
        var megabytes = new FileInfo(dataPath).Length / 1e6;
        var job = $"60 nodes ({formulas} formulas), 10x40 pairs, {rows:N0} rows, {megabytes:F0} MB CSV";

        // CSV to columns, in-process (the parse alone, every core).
        var bytes = File.ReadAllBytes(dataPath);
        var parseMs = Timing.Median(quick ? 3 : 7, () => CsvColumns.Read(bytes, "data.csv"));
        yield return ($"CSV to columns, {megabytes:F0} MB", parseMs, $"{megabytes / (parseMs / 1000):F0} MB/s on {Environment.ProcessorCount} cores (SHA-256 id included)");

        // The CLI as built, the precompiled CLI (README's daily-use install, when published) and the numpy peer,
        // alternating, through the same wrapper.
        var cli = Path.Combine(repo, "src", "OrleansRca.Cli", "bin", "Release", "net10.0", "rca.dll");
        if (!File.Exists(cli)) throw new FileNotFoundException($"build the CLI first: dotnet build src/OrleansRca.Cli -c Release ({cli})");
        var precompiled = Path.Combine(repo, PrecompiledCli);
        var hasPrecompiled = File.Exists(precompiled);
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var built = new List<(double S, double Mb)>();
        var ahead = new List<(double S, double Mb)>();
        var peer = new List<(double S, double Mb)>();
        var cliOut = Path.Combine(dir, "rca.json");
        var aheadOut = Path.Combine(dir, "rca-precompiled.json");
        var peerOut = Path.Combine(dir, "numpy.json");
        var arguments = $"mediate --model {modelPath} --data {dataPath} --format json";
        for (var r = 0; r < repeats; r++)
        {
            built.Add(Measure(repo, "dotnet", $"{cli} {arguments}", cliOut));
            if (hasPrecompiled) ahead.Add(Measure(repo, precompiled, arguments, aheadOut));
            peer.Add(Measure(repo, python, $"bench/mediate_numpy.py {modelPath} {dataPath} {peerOut}", null));
        }
        var (peerS, peerMb) = Median(peer);
        var (cliS, cliMb) = Median(built);
        yield return ($"CLI mediate as built (dotnet rca.dll), files to JSON: {job}", cliS * 1000,
            $"peak {cliMb:F0} MB; ratio numpy/CLI {peerS / cliS:F2}x; max |NIE - peer| {MaxDifference(cliOut, peerOut):E1}");
        if (hasPrecompiled)
        {
            var (aheadS, aheadMb) = Median(ahead);
            yield return ("CLI mediate precompiled (out/rca/rca), same job", aheadS * 1000,
                $"peak {aheadMb:F0} MB; ratio numpy/CLI {peerS / aheadS:F2}x; max |NIE - peer| {MaxDifference(aheadOut, peerOut):E1}");
        }
        else
        {
            Console.Error.WriteLine($"the precompiled CLI is not published, so not measured: dotnet publish src/OrleansRca.Cli -p:PublishProfile=Precompiled -r linux-x64 -o {Path.GetDirectoryName(PrecompiledCli)}");
        }
        yield return ("numpy + pandas peer, same job", peerS * 1000, $"peak {peerMb:F0} MB");

        // The service: one upload, then analyses over it by reference.
        foreach (var line in Http(dataPath, modelPath, quick ? 5 : 20)) yield return line;
    }

    private static IEnumerable<(string, double, string)> Http(string dataPath, string modelPath, int analyses)
    {
        var options = new ServeOptions
        {
            Urls = "http://127.0.0.1:0", SiloPort = RcaHost.FreeTcpPort(), GatewayPort = RcaHost.FreeTcpPort(),
            ClusterId = $"bench-{Environment.ProcessId}", MaxRequestBodyBytes = 1L << 30,
        };
        var app = RcaHost.BuildServer(options, b => RcaHost.QuietLogging(b.Logging));
        app.StartAsync().GetAwaiter().GetResult();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(10) };
            var clock = Stopwatch.StartNew();
            using var content = new StreamContent(File.OpenRead(dataPath));
            content.Headers.ContentType = new("text/csv");
            var upload = http.PostAsync("/v1/datasets", content).GetAwaiter().GetResult();
            upload.EnsureSuccessStatusCode();
            var uploadMs = clock.Elapsed.TotalMilliseconds;
            var id = (string)upload.Content.ReadFromJsonAsync<JsonObject>().GetAwaiter().GetResult()!["id"]!;
            var body = new JsonObject { ["model"] = JsonNode.Parse(File.ReadAllText(modelPath)), ["data"] = new JsonObject { ["dataset"] = id } }.ToJsonString();
            var times = new List<double>();
            for (var k = 0; k < analyses + 1; k++)
            {
                clock.Restart();
                var post = http.PostAsync("/v1/analyses/mediation", new StringContent(body, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
                post.EnsureSuccessStatusCode();
                JsonObject doc;
                do
                {
                    Thread.Sleep(5);
                    doc = http.GetFromJsonAsync<JsonObject>(post.Headers.Location).GetAwaiter().GetResult()!;
                }
                while ((string?)doc["status"] is "queued" or "running");
                if ((string?)doc["status"] != "succeeded") throw new InvalidOperationException(doc.ToJsonString());
                if (k > 0) times.Add(clock.Elapsed.TotalMilliseconds); // the first warms the silo's caches and JIT
            }
            times.Sort();
            yield return ("HTTP: upload the CSV once (POST /v1/datasets)", uploadMs, "parsed once into the silo's columns");
            yield return ($"HTTP: mediation by reference, {analyses} in a row (median)", times[times.Count / 2],
                $"submit to result, polling every 5 ms; {body.Length} B request; min {times[0]:F0}, max {times[^1]:F0} ms");
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static (double S, double Mb) Measure(string repo, string program, string arguments, string? stdoutPath)
    {
        var command = stdoutPath is null ? $"{program} {arguments}" : $"sh -c \"{program} {arguments} > {stdoutPath}\"";
        var start = new ProcessStartInfo("python3", $"bench/peak.py {command}")
        {
            WorkingDirectory = repo, RedirectStandardOutput = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var result = JsonNode.Parse(output)!;
        if ((int)result["exit"]! != 0) throw new InvalidOperationException($"{program} {arguments} failed (exit {(int)result["exit"]!})");
        return ((double)result["seconds"]!, (double)result["peak_mb"]!);
    }

    private static (double, double) Median(List<(double S, double Mb)> runs)
    {
        var s = runs.Select(r => r.S).Order().ToList();
        return (s[s.Count / 2], runs.Max(r => r.Mb));
    }

    /// <summary>The CLI's and the peer's NIE means agree (a benchmark of a wrong answer is worthless).</summary>
    private static double MaxDifference(string cliJson, string peerJson)
    {
        var ours = JsonNode.Parse(File.ReadAllText(cliJson))!["nie"]!.AsArray().ToDictionary(e => ((string)e!["treatment"]!, (string)e["mediator"]!), e => (double)e!["mean"]!);
        var theirs = JsonNode.Parse(File.ReadAllText(peerJson))!["nie"]!.AsArray();
        return theirs.Max(e => Math.Abs((double)e!["mean"]! - ours[((string)e["treatment"]!, (string)e["mediator"]!)]));
    }
}
