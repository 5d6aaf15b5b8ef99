using OrleansRca.Causal.Discrete;

namespace OrleansRca.Cli.Commands;

/// <summary>
/// <c>dimm-eval</c>: the paper's ALARM protocol (Sinha et al. 2020, section 5.1) on DIMM instance files: our
/// MSE, MAE, max error and solve time beside the SLSQP reference's.
/// </summary>
public static class DimmEvalCommand
{
    public static Command Create()
    {
        var instances = new Option<string[]>("--instances")
        {
            Description = "Instance files, or directories of them (every *.json except *.mixture.json).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var network = new Option<string?>("--network") { Description = "Run the protocol afresh on this BIF network instead of scoring instance files." };
        var nIvn = new Option<string>("--n-ivn") { Description = "With --network: intervention counts (comma-separated).", DefaultValueFactory = _ => "0,5,9,17,34,68" };
        var samples = new Option<string>("--samples") { Description = "With --network: sample sizes m (comma-separated).", DefaultValueFactory = _ => "1e5,1e6" };
        var seeds = new Option<int>("--seeds") { Description = "With --network: random mixtures per (N_ivn, m).", DefaultValueFactory = _ => 3 };
        var bifDir = new Option<string?>("--bif-dir") { Description = "Where the networks named by the instances live (default: ../bif beside the instances)." };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed solves per instance (median reported; default 15).", DefaultValueFactory = _ => 15 };
        var em = new Option<bool>("--em") { Description = "With --network: also fit the EM baseline (paper appendix D) on m joint rows of each mixture (same seeds) and report its MAE and time." };
        var format = CommonOptions.Format();
        var command = new Command("dimm-eval", "Evaluate the mixture-of-interventions solver on DIMM instances against their truth and the SLSQP reference.")
        {
            instances, bifDir, network, nIvn, samples, seeds, repetitions, em, format,
        };
        command.SetAction((parse, ct) => CliExit.RunAsync(async _ =>
        {
            var json = CommonOptions.IsJson(parse.GetValue(format)!);
            var reps = parse.GetValue(repetitions);
            if (reps is < 1 or > 1000) throw new InputException($"--repetitions must be between 1 and 1000, not {reps}");
            CommonOptions.NotBoth(parse, network, instances, "either score instance files or run the protocol afresh on a network");
            CommonOptions.NotBoth(parse, network, bifDir, "--bif-dir tells where the instances' networks are; --network names one");
            var fresh = parse.GetValue(network) is not null;
            CommonOptions.OnlyWith(parse, nIvn, fresh, "--network");
            CommonOptions.OnlyWith(parse, samples, fresh, "--network");
            CommonOptions.OnlyWith(parse, seeds, fresh, "--network");
            // --em draws joint rows from the protocol's mixtures: it needs --network too.
            CommonOptions.OnlyWith(parse, em, fresh, "--network");
            if (parse.GetValue(seeds) is < 1 or > 100) throw new InputException($"--seeds must be between 1 and 100, not {parse.GetValue(seeds)}");
            var (rows, emResults) = await ProgressDisplay.RunAsync("dimm-eval", progress => Task.Run(() => Run(parse, progress)));
            rows = rows.OrderBy(r => r.Samples).ThenBy(r => r.Interventions).ThenBy(r => r.Instance, StringComparer.Ordinal).ToList();

            if (json) CliExit.WriteJson(ToJson(rows, emResults));
            else WriteTable(AnsiConsole.Console, rows, emResults);
            return CliExit.Ok;
        }, ct));
        return command;

        (IReadOnlyList<DimmEvaluationRow>, Dictionary<string, (double Mae, double Ms)>?) Run(ParseResult parse, IProgress<double>? progress)
        {
            var reps = parse.GetValue(repetitions);
            if (parse.GetValue(network) is { } bifPath)
            {
                if (!File.Exists(bifPath)) throw new InputException($"network file '{bifPath}' does not exist");
                var oracle = new ExactInference(BifReader.Load(bifPath)).AllInterventional();
                var counts = ParseList(parse.GetValue(nIvn)!, "--n-ivn", x => checked((int)x));
                var sizes = ParseList(parse.GetValue(samples)!, "--samples", x => checked((long)x));
                if (!parse.GetValue(em))
                    return (DimmEvaluation.Protocol(oracle, counts, sizes, parse.GetValue(seeds), repetitions: reps, progress: progress), null);
                // The EM fits take about as long as the protocol: half the bar each.
                var protocol = DimmEvaluation.Protocol(oracle, counts, sizes, parse.GetValue(seeds), repetitions: reps,
                    progress: progress is null ? null : new ScaledProgress(progress, 0, 0.5));
                return (protocol, RunEm(oracle, counts, sizes, parse.GetValue(seeds), progress is null ? null : new ScaledProgress(progress, 0.5, 0.5)));
            }
            else
            {
                var files = new List<string>();
                foreach (var path in parse.GetValue(instances) ?? [])
                {
                    if (Directory.Exists(path)) files.AddRange(DimmEvaluation.InstanceFiles(path));
                    else if (File.Exists(path)) files.Add(path);
                    else throw new InputException($"instance path '{path}' does not exist");
                }
                if (files.Count == 0)
                    throw new InputException("give --instances (files or folders of DIMM instances) or --network (run the protocol afresh)");
                var bif = parse.GetValue(bifDir) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(files[0]))!, "..", "bif");
                return (DimmEvaluation.Evaluate(files, bif, reps, progress), null);
            }
        }
    }

    /// <summary>
    /// The EM baseline per protocol cell: the same mixtures and sample seeds as <see cref="DimmEvaluation.Protocol"/>
    /// (mixture seed s, sampling seed s + 1), m joint rows, one fit timed (sampling excluded); keyed by instance name.
    /// Without the sets C_i (every do(X_i = a) is a component), as our solver.
    /// </summary>
    private static Dictionary<string, (double Mae, double Ms)> RunEm(InterventionalMarginals oracle, IReadOnlyList<int> counts, IReadOnlyList<long> sizes, int seeds,
        IProgress<double>? progress, double piPhi = 0.2)
    {
        var results = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        var total = (double)sizes.Count * counts.Count * seeds;
        foreach (var m in sizes)
        {
            if (m > int.MaxValue) throw new InputException($"--em: at most {int.MaxValue} joint rows, not {m}");
            foreach (var k in counts)
                for (var seed = 0; seed < seeds; seed++)
                {
                    var truth = MixtureGenerator.Random(oracle, k, seed, k == 0 ? 1.0 : piPhi);
                    var joint = MixtureEm.SampleRows(oracle.Network, truth.PiPhi, truth.Pi, (int)m, seed + 1);
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    var fit = MixtureEm.Fit(oracle.Network, joint);
                    var ms = sw.Elapsed.TotalMilliseconds;
                    results[$"{oracle.Network.Name}-nivn{k}-m{m:0e0}-seed{seed}"] =
                        (DimmMetrics.Compute(truth.Pi, truth.PiPhi, fit.Pi, fit.PiPhi).Mae, ms);
                    progress?.Report(results.Count / total);
                }
        }
        return results;
    }

    private static List<T> ParseList<T>(string text, string option, Func<double, T> convert) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x =>
            double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d == Math.Floor(d)
                ? convert(d) : throw new InputException($"{option}: '{x}' is not a whole number")).ToList();

    private static JsonObject Metrics(DimmMetrics m) => new() { ["mse"] = m.Mse, ["mae"] = m.Mae, ["max_error"] = m.MaxError };

    private static JsonObject ToJson(IReadOnlyList<DimmEvaluationRow> rows, Dictionary<string, (double Mae, double Ms)>? em)
    {
        var list = new JsonArray();
        foreach (var r in rows)
        {
            var o = Metrics(r.Ours);
            o["instance"] = r.Instance;
            o["n_ivn"] = r.Interventions;
            o["samples"] = r.Samples;
            o["method"] = r.Solution.Method.ToString().ToLowerInvariant();
            o["time_ms"] = r.SolveMilliseconds;
            o["pi_phi"] = r.Solution.PiPhi;
            if (em is not null && em.TryGetValue(r.Instance, out var e))
            {
                o["em_mae"] = e.Mae;
                o["em_time_ms"] = e.Ms;
            }
            if (r.Reference is { } reference)
            {
                var refJson = Metrics(reference);
                if (r.ReferenceMilliseconds is { } ms) refJson["time_ms"] = ms;
                o["reference"] = refJson;
                o["mae_ratio"] = r.MaeRatio;
            }
            list.Add(o);
        }
        return new JsonObject
        {
            ["metrics"] = "errors over every pi_{i,a} and pi_phi, as in the paper (section 5.1) and the reference files",
            ["instances"] = list,
        };
    }

    /// <summary>The rows as a table (long format when too wide for <paramref name="console"/>).</summary>
    public static void WriteTable(IAnsiConsole console, IReadOnlyList<DimmEvaluationRow> rows, IReadOnlyDictionary<string, (double Mae, double Ms)>? em)
    {
        static string F(double? x) => x is { } v ? v.ToString("0.0e+0", CultureInfo.InvariantCulture) : "";
        var table = new Table().Title("DIMM: recovered proportions against the truth (and the SLSQP reference when the instance has one)").Border(TableBorder.Simple);
        string[] columns = ["N_ivn", "m", "MAE", "ref MAE", "ratio", "max err", "ms", "ref ms"];
        if (em is not null) columns = [.. columns, "EM MAE", "EM ms"];
        foreach (var c in columns)
            table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var r in rows)
        {
            string[] cells =
            [
                r.Interventions.ToString(CultureInfo.InvariantCulture),
                r.Samples.ToString("0e0", CultureInfo.InvariantCulture),
                F(r.Ours.Mae), F(r.Reference?.Mae),
                r.MaeRatio?.ToString("F3", CultureInfo.InvariantCulture) ?? "",
                F(r.Ours.MaxError),
                r.SolveMilliseconds.ToString("F2", CultureInfo.InvariantCulture),
                r.ReferenceMilliseconds?.ToString("F0", CultureInfo.InvariantCulture) ?? "",
            ];
            if (em is not null)
            {
                var found = em.TryGetValue(r.Instance, out var e);
                cells = [.. cells, found ? F(e.Mae) : "", found ? e.Ms.ToString("F0", CultureInfo.InvariantCulture) : ""];
            }
            table.AddRow(cells);
        }
        FittedTable.Write(console, table);
        if (em is not null)
            console.MarkupLine("[grey]EM = maximum likelihood on m joint rows of the same mixture (paper appendix D; every do(X_i = a) a component, assumption 1 at roots); EM ms excludes sampling.[/]");
        console.MarkupLine("[grey]Errors over every pi_{i,a} and pi_phi (paper section 5.1); ratio = our MAE / reference MAE; MSE in --format json.[/]");
    }
}
