using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using OrleansRca.Benchmarks;
using OrleansRca.Causal.Counterfactuals;
using OrleansRca.Causal.Data;
using OrleansRca.Causal.Mediation;
using OrleansRca.Causal.Models;
using OrleansRca.Causal.Synthetic;

// The benchmark program: medians of repeated runs after a warm-up, written to docs/benchmarks.md.
// Usage: dotnet run -c Release --project bench/OrleansRca.Benchmarks -- [--quick] [--out docs/benchmarks-run.md] [--data tests/data]
var quick = args.Contains("--quick");
var outPath = Arg("--out") ?? Path.Combine("docs", "benchmarks-run.md");
var dataDir = Arg("--data") ?? Path.Combine("tests", "data");
var rows = new List<(string Section, string Name, double MedianMs, string Note)>();

string? Arg(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

void Report(string section, string name, double ms, string note = "")
{
    rows.Add((section, name, ms, note));
    Console.WriteLine($"{section,-22} {name,-48} {ms,12:F2} ms  {note}");
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
foreach (var (name, ms, note) in MitigationBenchmarks.Run(quick ? 3 : 9))
    Report("mitigation", name, ms, note);

// 4. Discrete networks (DIMM), when the data folder has the BIF files.
if (Directory.Exists(Path.Combine(dataDir, "bif")))
    foreach (var (name, ms, note) in DiscreteBenchmarks.Run(dataDir, quick ? 5 : 15))
        Report("discrete", name, ms, note);

// 5. Root-cause localization (issue 8); the CLI case needs the built rca (--rca PATH).
foreach (var (name, ms, note) in LocalizationBenchmarks.Run(dataDir, quick ? 5 : 15, Arg("--rca") ?? Path.Combine("src", "OrleansRca.Cli", "bin", "Release", "net10.0", "rca")))
    Report("localization", name, ms, note);

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
