using System.Runtime.InteropServices;
using OrleansRca.Benchmarks;
using OrleansRca.Causal.Counterfactuals;
using OrleansRca.Causal.Mediation;

// The benchmark program: medians of repeated runs after a warm-up, written to docs/benchmarks.md.
// Usage: dotnet run -c Release --project bench/OrleansRca.Benchmarks -- [--quick] [--only e2e|cluster|engine|csv|discovery|mitigation|localization] [--out docs/benchmarks-run.md] [--data tests/data]
var quick = args.Contains("--quick");
var only = Arg("--only");
// A quick or partial run never overwrites the recorded run.
var outPath = Arg("--out") ?? (quick || only is not null ? Path.Combine(Path.GetTempPath(), "benchmarks-partial.md") : Path.Combine("docs", "benchmarks-run.md"));
var dataDir = Arg("--data") ?? Path.Combine("tests", "data");
var rows = new List<(string Section, string Name, double MedianMs, string Note)>();

string? Arg(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

void Report(string section, string name, double ms, string note = "")
{
    rows.Add((section, name, ms, note));
    Console.WriteLine($"{section,-22} {name,-48} {ms,12:F2} ms  {note}");
}

// 0. The user's path, whole: the CLI from files to JSON beside numpy + pandas; the HTTP service.
if (only is null or "e2e")
    foreach (var (name, ms, note) in EndToEnd.Run(quick, Directory.GetCurrentDirectory()))
        Report("end to end", name, ms, note);
if (only == "e2e") { Write(); return; }
// The PostgreSQL cluster of 1, 2, 3 silo processes (needs RCA_TEST_POSTGRES; part of the full run when it is set).
if (only == "cluster" || (only is null && Environment.GetEnvironmentVariable("RCA_TEST_POSTGRES") is not null))
    foreach (var (name, ms, note) in ClusterThroughput.Run(quick, Directory.GetCurrentDirectory()))
        Report("cluster", name, ms, note);
if (only == "cluster") { Write(); return; }
if (only == "mitigation") { Mitigation(); Write(); return; }
if (only == "localization") { Localization(); Write(); return; }
if (only == "csv")
{
    // CSV parsing alone, wall and CPU time: CPU time per MB holds even on a busy machine.
    var path = Arg("--file") ?? Path.Combine(Path.GetTempPath(), "rca-e2e-100000", "data.csv");
    var bytes = File.ReadAllBytes(path);
    var mb = bytes.Length / 1e6;
    var proc = System.Diagnostics.Process.GetCurrentProcess();
    for (var k = 0; k < 4; k++)
    {
        var cpu = proc.TotalProcessorTime;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        CsvColumns.Read(bytes, "data.csv");
        proc.Refresh();
        var cpuMs = (proc.TotalProcessorTime - cpu).TotalMilliseconds;
        Report("csv", $"CsvColumns.Read {mb:F0} MB, run {k}", sw.Elapsed.TotalMilliseconds, $"{mb / sw.Elapsed.TotalSeconds:F0} MB/s wall, {mb / (cpuMs / 1000):F0} MB/s per CPU-second");
    }
    var hash = Timing.Median(5, () => Dataset.IdOf(bytes));
    Report("csv", "SHA-256 id", hash, $"{mb / (hash / 1000):F0} MB/s");
    Write();
    return;
}
if (only == "engine")
{
    // The engine alone on the end-to-end job's files (run --only e2e first): where the CLI's time goes.
    var dir = Arg("--dir") ?? Path.Combine(Path.GetTempPath(), "rca-e2e-100000");
    var model = ModelFile.Load(Path.Combine(dir, "model.json"));
    var table = CsvData.LoadFor(model, Path.Combine(dir, "data.csv"));
    foreach (var parallelism in new[] { -1, 1 })
        Report("engine", $"MediationEngine.Run, {table.Rows:N0} rows, parallelism {parallelism}", Timing.Median(3, () => MediationEngine.Run(model, table, new MediationOptions { MaxParallelism = parallelism })));
    var problem = MediationEngine.Prepare(model, table, new MediationOptions { MaxParallelism = 1 });
    Report("engine", "Prepare (abduct, baseline)", Timing.Median(3, () => MediationEngine.Prepare(model, table, new MediationOptions { MaxParallelism = 1 })));
    Report("engine", "RunTreatment x10", Timing.Median(3, () => { for (var i = 0; i < 10; i++) MediationEngine.RunTreatment(problem, i); }));
    Report("engine", "RunDirect x10", Timing.Median(3, () => { for (var i = 0; i < 10; i++) MediationEngine.RunDirect(problem, i); }));
    var plan = MediationPlan.Create(model, new MediationOptions());
    Report("engine", "schedule (closed forms)", Timing.Median(3, () => MediationSchedule.Create(model, plan, EffectEngine.Auto)));
    var run = MediationEngine.RunTreatment(problem, 0);
    Report("engine", "RunPair x40 (treatment 0)", Timing.Median(3, () => { for (var j = 0; j < 40; j++) MediationEngine.RunPair(problem, j, run.MediatorValues[j]); }));
    await using (var runner = await OrleansRca.Hosting.RcaHost.StartRunnerAsync(null, CancellationToken.None))
    {
        var bytes = File.ReadAllBytes(Path.Combine(dir, "data.csv"));
        var dataset = CsvColumns.Read(bytes, "data.csv");
        await runner.AddDatasetAsync(dataset, bytes, DataFormat.Csv, CancellationToken.None);
        var body = new System.Text.Json.Nodes.JsonObject { ["model"] = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "model.json"))), ["data"] = new System.Text.Json.Nodes.JsonObject { ["dataset"] = dataset.Id } };
        for (var k = 0; k < 3; k++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var last = -1.0;
            var progress = new Progress<double>(p => { if (p != last) { Console.WriteLine($"  {clock.ElapsedMilliseconds,6} ms progress {p:F3}"); last = p; } });
            await runner.RunAsync("mediation", (System.Text.Json.Nodes.JsonObject)body.DeepClone(), progress, CancellationToken.None);
            Report("engine", $"embedded silo analysis #{k}", clock.Elapsed.TotalMilliseconds);
        }
    }
    Write();
    return;
}

if (only == "discovery")
{
    foreach (var (name, ms, note) in DiscoveryBenchmarks.Run(quick))
        Report("discovery", name, ms, note);
    Write();
    return;
}

// 1. Counterfactual propagation of every row through every node (noise abducted, one node forced).
foreach (var nodes in new[] { 20, 100, 500 })
    foreach (var n in quick ? new[] { 10_000 } : new[] { 10_000, 100_000 })
    {
        var model = RandomModels.Linear(nodes, seed: nodes);
        var data = SyntheticData.Generate(model, null, n, seed: 1);
        var columns = data.Columns.ToArray();
        var noise = Propagator.Abduct(model, columns);
        var order = model.Graph.TopologicalOrder.Where(v => v != 0).ToArray();
        var forced = columns[0].Select(x => x * 1.5).ToArray();
        var ms = Timing.Median(quick ? 5 : 15, () =>
        {
            var values = new double[nodes][];
            values[0] = forced;
            Propagator.Propagate(model, order, noise, values!, n);
        });
        Report("counterfactual", $"linear N={nodes}, {n:N0} rows, fresh columns", ms, $"{(double)order.Length * n / (ms / 1000) / 1e6:F0} M node-rows/s");
        // A service answering repeated what-if queries keeps its output columns: no allocation per query.
        var reused = new double[nodes][];
        reused[0] = forced;
        ms = Timing.Median(quick ? 5 : 15, () => Propagator.Propagate(model, order, noise, reused!, n, reuseOutputs: true));
        Report("counterfactual", $"linear N={nodes}, {n:N0} rows, reused columns", ms, $"{(double)order.Length * n / (ms / 1000) / 1e6:F0} M node-rows/s");
    }

// 1b. The general propagator on nonlinear formulas (throughput target: >= 300 M node-rows/s on linear).
{
    var model = RandomModels.Mediation(500, 5, 10, nonlinear: true, seed: 3);
    var n = quick ? 10_000 : 100_000;
    var data = SyntheticData.Generate(model, null, n, seed: 1);
    var noise = Propagator.Abduct(model, data.Columns.ToArray());
    var order = model.Graph.TopologicalOrder.Where(v => v != 0).ToArray();
    var values = new double[500][];
    values[0] = data.Columns[0];
    var ms = Timing.Median(quick ? 3 : 7, () => Propagator.Propagate(model, order, noise, values!, n, reuseOutputs: true));
    Report("counterfactual", $"nonlinear formulas N=500, {n:N0} rows, reused columns", ms, $"{(double)order.Length * n / (ms / 1000) / 1e6:F0} M node-rows/s");
}

// 2. The 5 x 10 NIE matrix (plus TE and NDE) from data: fit, abduct, all pairs.
foreach (var nodes in new[] { 20, 100 })
{
    var model = RandomModels.Mediation(nodes, 5, 10, nonlinear: false, seed: nodes + 7);
    var data = SyntheticData.Generate(model, null, 10_000, seed: 2);
    foreach (var engine in new[] { EffectEngine.Auto, EffectEngine.General })
    {
        var ms = Timing.Median(quick ? 5 : 15, () => MediationEngine.Run(model, data, new MediationOptions { Engine = engine }));
        Report("NIE 5x10", $"linear N={nodes}, 10,000 rows, engine {engine.ToString().ToLowerInvariant()}", ms,
            engine == EffectEngine.Auto ? "closed-form path products" : "counterfactual propagation");
    }
    var unfitted = model.WithMechanisms(model.Mechanisms.Select((m, v) => model.Graph.IsRoot(v) ? m : null).ToArray());
    var fitMs = Timing.Median(quick ? 5 : 15, () => MediationEngine.Run(unfitted, data, new MediationOptions()));
    Report("NIE 5x10", $"linear N={nodes}, 10,000 rows, every mechanism fitted by OLS", fitMs, "fit + closed form");
}

// 3. The large nonlinear job: 1,000 nodes, 20 x 100 pairs, 100k rows.
{
    var n = quick ? 10_000 : 100_000;
    var model = RandomModels.Mediation(1000, 20, 100, nonlinear: true, seed: 11);
    var data = SyntheticData.Generate(model, null, n, seed: 3);
    var ms = Timing.Median(quick ? 1 : 3, () => MediationEngine.Run(model, data, new MediationOptions()));
    Report("large job", $"nonlinear N=1000, 20x100 pairs, {n:N0} rows", ms, "general propagator, partitioned subgraphs");
}

// 3b. Anomaly mitigation (issue 9).
Mitigation();

void Mitigation()
{
    foreach (var (name, ms, note) in MitigationBenchmarks.Run(quick ? 3 : 9))
        Report("mitigation", name, ms, note);
}

// 4. Discrete networks (DIMM), when the data folder has the BIF files.
if (Directory.Exists(Path.Combine(dataDir, "bif")))
    foreach (var (name, ms, note) in DiscreteBenchmarks.Run(dataDir, quick ? 5 : 15))
        Report("discrete", name, ms, note);

// 5. Causal discovery with unknown interventions (`--only discovery` runs this section alone).
foreach (var (name, ms, note) in DiscoveryBenchmarks.Run(quick))
    Report("discovery", name, ms, note);

// 6. Root-cause localization (issue 8); the CLI case needs the built rca (--rca PATH).
Localization();

void Localization()
{
    foreach (var (name, ms, note) in LocalizationBenchmarks.Run(dataDir, quick ? 5 : 15, Arg("--rca") ?? Path.Combine("src", "OrleansRca.Cli", "bin", "Release", "net10.0", "rca")))
        Report("localization", name, ms, note);
}

Write();

void Write()
{
var md = new StringBuilder();
md.AppendLine("# Benchmarks").AppendLine();
md.AppendLine($"Generated by `dotnet run -c Release --project bench/OrleansRca.Benchmarks{(quick ? " -- --quick" : "")}` on {DateTime.UtcNow:yyyy-MM-dd}.");
md.AppendLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {RuntimeInformation.ProcessArchitecture}; server GC {System.Runtime.GCSettings.IsServerGC}.");
md.AppendLine("Each figure is the median of repeated runs after one discarded warm-up (1b, 3: 7 and 3 runs; others 15). Figures are noisy on a shared 2-core machine; compare ratios within one run.").AppendLine();
md.AppendLine("| section | case | median ms | note |").AppendLine("|---|---|---:|---|");
foreach (var (section, name, ms, note) in rows)
    md.AppendLine(CultureInfo.InvariantCulture, $"| {section} | {name} | {ms:F2} | {note} |");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
File.WriteAllText(outPath, md.ToString());
Console.WriteLine($"wrote {outPath} (docs/benchmarks.md holds the recorded run with commentary)");
}
