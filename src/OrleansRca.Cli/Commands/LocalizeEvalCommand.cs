using System.Diagnostics;
using OrleansRca.Causal.Data;
using OrleansRca.Causal.RootCause;
using OrleansRca.Causal.Synthetic;

namespace OrleansRca.Cli.Commands;

/// <summary>
/// <c>localize-eval</c>: the papers' protocols run afresh, printed in the shape of their tables with the
/// published figures beside ours: RootCLAM's Loan and Adult (table 3), the PetShop benchmark (top-k recall,
/// specificity) and DoWhy's microservice example.
/// </summary>
public static class LocalizeEvalCommand
{
    /// <summary>RootCLAM table 3 (accuracy, precision, recall, F1) and its CausalRCA baseline.</summary>
    private static readonly Dictionary<string, (string Method, double Acc, double Pre, double Rec, double F1)[]> Published = new()
    {
        ["loan"] = [("RootCLAM (AE), published", 0.728, 0.545, 0.765, 0.636), ("RootCLAM (Deep SVDD), published", 0.727, 0.523, 0.776, 0.631),
                    ("CausalRCA (AE), published", 0.707, 0.522, 0.680, 0.591), ("CausalRCA (Deep SVDD), published", 0.704, 0.508, 0.561, 0.533)],
        ["adult"] = [("RootCLAM (AE), published", 0.866, 0.567, 0.849, 0.680), ("RootCLAM (Deep SVDD), published", 0.855, 0.544, 0.794, 0.646),
                     ("CausalRCA (AE), published", 0.853, 0.554, 0.615, 0.583), ("CausalRCA (Deep SVDD), published", 0.850, 0.546, 0.593, 0.569)],
    };

    /// <summary>The PetShop benchmark's MAD-score anomaly traversal on the low-traffic scenario (its README).</summary>
    private static readonly Dictionary<string, (double Top1, double Top3, double Specificity)> PetShopBaseline = new()
    {
        ["latency"] = (0.571, 0.571, 0.167),
        ["availability"] = (0.833, 1.000, 1.000),
    };

    public static Command Create()
    {
        var petshop = new Option<string[]>("--petshop") { Description = "PetShop-format folder (model-METRIC.json, normal-METRIC.csv, *-issue_N/); repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var microservice = new Option<string?>("--microservice") { Description = "DoWhy microservice folder (model.json and the three CSVs)." };
        var rootclam = new Option<string[]>("--rootclam") { Description = "loan and/or adult: RootCLAM's protocol on seeded data; repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var seeds = new Option<int?>("--seeds") { Description = "RootCLAM: seeds 0..N-1, figures averaged (default 1)." };
        var missing = new Option<string?>("--missing") { Description = "PetShop gaps: mean (default), interpolate or drop." };
        var pi = new Option<double?>("--pi") { Description = "Noise-CDF threshold (default 0.125)." };
        var mitigate = new Option<string?>("--mitigate") { Description = "With --rootclam: also RootCLAM's mitigation protocol (table 4) for these detectors, e.g. mahalanobis,pca,mixture." };
        var alphas = new Option<string?>("--alphas") { Description = "Mitigation: comma-separated alphas (default 1)." };
        var actOn = new Option<string?>("--act-on") { Description = "Mitigation: comma-separated action scopes, root-causes (default) and/or controllable (every controllable node)." };
        var cost = new Option<string?>("--cost") { Description = "Mitigation: the solve's cost, sd (default: ||theta / sd||, sd each node's normal standard deviation) or unit (||theta|| in the nodes' own units, the norm RootCLAM trains on and reports)." };
        var components = new Option<int?>("--components") { Description = "Mitigation: PCA bottleneck width or mixture size (default: by explained variance / BIC)." };
        var shapley = new Option<bool>("--shapley") { Description = "Also rank by Shapley attribution on PetShop and the microservice example (slower)." };
        var format = CommonOptions.Format();
        var command = new Command("localize-eval", "Root-cause localization against the papers' protocols: RootCLAM Loan/Adult, PetShop, DoWhy's microservice example.")
        {
            petshop, microservice, rootclam, seeds, missing, pi, shapley, mitigate, alphas, actOn, cost, components, format,
        };
        command.SetAction((parse, ct) => CliExit.RunAsync(async token =>
        {
            var json = CommonOptions.IsJson(parse.GetValue(format)!);
            var piValue = parse.GetValue(pi) ?? 0.125;
            var options = new LocalizeOptions { Pi = piValue };
            var document = new JsonObject();
            var petshops = parse.GetValue(petshop) ?? [];
            var clam = parse.GetValue(rootclam) ?? [];
            var micro = parse.GetValue(microservice);
            if (petshops.Length == 0 && clam.Length == 0 && micro is null)
                throw new InputException("give at least one of --petshop DIR, --microservice DIR, --rootclam loan|adult");
            // Options that belong to one protocol are errors beside the others, not silently ignored.
            CommonOptions.OnlyWith(parse, seeds, clam.Length > 0, "--rootclam (RootCLAM's seeded data)");
            CommonOptions.OnlyWith(parse, mitigate, clam.Length > 0, "--rootclam (the mitigation protocol runs on RootCLAM's data sets)");
            CommonOptions.OnlyWith(parse, alphas, parse.GetValue(mitigate) is not null, "--mitigate");
            CommonOptions.OnlyWith(parse, components, parse.GetValue(mitigate) is not null, "--mitigate");
            CommonOptions.OnlyWith(parse, actOn, parse.GetValue(mitigate) is not null, "--mitigate");
            CommonOptions.OnlyWith(parse, cost, parse.GetValue(mitigate) is not null, "--mitigate");
            var costText = parse.GetValue(cost) ?? "sd";
            if (costText is not ("sd" or "unit")) throw new InputException($"--cost takes sd or unit, not '{costText}'");
            CommonOptions.OnlyWith(parse, missing, petshops.Length > 0, "--petshop (the other data sets have no gaps)");
            CommonOptions.OnlyWith(parse, shapley, petshops.Length > 0 || micro is not null, "--petshop or --microservice");
            if (parse.GetValue(components) is { } width && width is < 1 or > 1000)
                throw new InputException($"--components must be between 1 and 1000, not {width}");
            var console = json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
            var seedCount = parse.GetValue(seeds) ?? 1;
            if (seedCount is < 1 or > 100) throw new InputException($"--seeds must be between 1 and 100, not {seedCount}");
            foreach (var name in clam)
                if (name is not ("loan" or "adult")) throw new InputException($"--rootclam takes loan or adult, not '{name}'");
            var kinds = parse.GetValue(mitigate) is { } detectorList ? Split(detectorList).Select(Causal.Mitigation.AnomalyDetector.ParseKind).ToList() : null;
            var alphaValues = Split(parse.GetValue(alphas) ?? "1").Select(a =>
                double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new InputException($"alpha '{a}' is not a positive number")).ToList();
            var scopes = Split(parse.GetValue(actOn) ?? "root-causes").Select(Causal.Mitigation.MitigationOptions.ParseScope).Distinct().ToList();
            var policy = MissingValues.Parse(parse.GetValue(missing) ?? "mean", "--missing");
            foreach (var folder in petshops)
                if (!Directory.Exists(folder)) throw new InputException($"PetShop folder '{folder}' does not exist");
            if (micro is not null && !Directory.Exists(micro)) throw new InputException($"microservice folder '{micro}' does not exist");

            // One step per seeded RootCLAM setting (Loan: true and fitted mechanisms; Adult: fitted), per mitigation
            // setting, per PetShop folder and per microservice variant. Tables wait until the bar is gone.
            var settingsPerSeed = clam.Sum(name => name == "loan" ? 2 : 1) * seedCount;
            var steps = settingsPerSeed * (kinds is null ? 1 : 2) + petshops.Length + (micro is null ? 0 : parse.GetValue(shapley) ? 2 : 1);
            var output = new List<Action>();
            await ProgressDisplay.RunAsync("localize-eval", progress => Task.Run(() => Evaluate(new StepProgress(progress, steps))));
            foreach (var print in output) print();
            if (json) CliExit.WriteJson(document);
            return CliExit.Ok;

            // Fills the document and queues the tables.
            void Evaluate(StepProgress step)
            {
                if (clam.Length > 0)
                {
                    var settings = new JsonArray();
                    foreach (var name in clam)
                    {
                        var settingsOf = name switch
                        {
                            "loan" => new (string, Causal.Models.CausalModel)[] { ("true", LoanScm.Model()), ("fitted", new LoanScm().Skeleton()) },
                            "adult" => [("fitted", new AdultScm().Skeleton())],
                            _ => throw new InputException($"--rootclam takes loan or adult, not '{name}'"),
                        };
                        RootClamScm scm = name == "loan" ? new LoanScm() : new AdultScm();
                        foreach (var (mechanisms, model) in settingsOf)
                        {
                            var watch = Stopwatch.StartNew();
                            var reports = Enumerable.Range(0, seedCount).Select(s =>
                            {
                                var report = LocalizationEvaluation.RootClam(scm, model, mechanisms, s, piValue);
                                step.Done();
                                return report;
                            }).ToList();
                            var table = new Table().Border(TableBorder.Rounded)
                                .Title($"{name}: root-cause localization, mechanisms {mechanisms} ({seedCount} seed(s); {reports.Average(r => r.Detected):F0} detected anomalies of {reports[0].Anomalies}; detector false-alarm rate {reports.Average(r => r.FalseAlarmRate):P2}; {watch.Elapsed.TotalSeconds:F1} s)");
                            foreach (var c in new[] { "method", "Accu.", "Pre.", "Rec.", "F1" }) table.AddColumn(c);
                            var methods = new JsonArray();
                            for (var m = 0; m < reports[0].Methods.Count; m++)
                            {
                                var label = reports[0].Methods[m].Method;
                                var (acc, pre, rec, f1) = (reports.Average(r => r.Methods[m].Accuracy), reports.Average(r => r.Methods[m].Precision),
                                    reports.Average(r => r.Methods[m].Recall), reports.Average(r => r.Methods[m].F1));
                                table.AddRow(Markup.Escape(label), F(acc), F(pre), F(rec), F(f1));
                                methods.Add(new JsonObject { ["method"] = label, ["accuracy"] = acc, ["precision"] = pre, ["recall"] = rec, ["f1"] = f1 });
                            }
                            foreach (var p in Published[name])
                            {
                                table.AddRow($"[grey]{Markup.Escape(p.Method)}[/]", F(p.Acc), F(p.Pre), F(p.Rec), F(p.F1));
                                methods.Add(new JsonObject { ["method"] = p.Method, ["accuracy"] = p.Acc, ["precision"] = p.Pre, ["recall"] = p.Rec, ["f1"] = p.F1, ["published"] = true });
                            }
                            output.Add(() => FittedTable.Write(console, table));
                            settings.Add(new JsonObject { ["dataset"] = name, ["mechanisms"] = mechanisms, ["seeds"] = seedCount,
                                ["detected"] = reports.Average(r => r.Detected), ["false_alarm_rate"] = reports.Average(r => r.FalseAlarmRate), ["methods"] = methods });
                        }
                    }
                    document["rootclam"] = settings;
                    if (kinds is not null)
                    {
                        // Loan with the true mechanisms and fitted; Adult's threshold rules cannot be given, so fitted only.
                        var scores = new List<Causal.Mitigation.MitigationScore>();
                        foreach (var name in clam)
                            foreach (var given in name == "loan" ? new[] { true, false } : [false])
                                for (var seed = 0; seed < seedCount; seed++)
                                {
                                    scores.AddRange(Causal.Mitigation.MitigationEvaluation.Run(name, given, Causal.Mitigation.MitigationEvaluation.ProtocolNormalRows,
                                        Causal.Mitigation.MitigationEvaluation.ProtocolAnomalies, seed, kinds, alphaValues, piValue, parse.GetValue(components), step.Current, scopes,
                                        costText == "unit" ? Causal.Mitigation.MitigationOptions.UnitCost(Causal.Mitigation.MitigationEvaluation.Scm(name).Nodes) : null));
                                    step.Done();
                                }
                        output.Add(() => MitigationEvalOutput.WriteTable(console, scores, costText));
                        document["mitigation"] = MitigationEvalOutput.ToJson(scores, costText);
                    }
                }

                if (petshops.Length > 0)
                {
                    var methods = new List<(string, LocalizeOptions)> { ("noise surprise (ours)", options), (LocalizationEvaluation.PlainRule, options) };
                    if (parse.GetValue(shapley)) methods.Add(("Shapley attribution", options with { Method = RankingMethod.Shapley }));
                    var all = new JsonArray();
                    foreach (var folder in petshops)
                    {
                        var watch = Stopwatch.StartNew();
                        var reports = LocalizationEvaluation.PetShop(folder, policy, methods);
                        step.Done();
                        var table = new Table().Border(TableBorder.Rounded).Title($"PetShop {Markup.Escape(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)))} (missing: {policy.ToText()}; {watch.Elapsed.TotalSeconds:F1} s)");
                        foreach (var c in new[] { "metric", "method", "issues", "top-1", "top-3", "specificity" }) table.AddColumn(c);
                        foreach (var r in reports)
                        {
                            table.AddRow(r.Metric, Markup.Escape(r.Method), r.Issues.ToString(CultureInfo.InvariantCulture), F(r.Top1), F(r.Top3), $"{F(r.Specificity)} ({r.Splits} splits)");
                            all.Add(new JsonObject
                            {
                                ["folder"] = folder, ["metric"] = r.Metric, ["method"] = r.Method, ["issues"] = r.Issues, ["top1"] = r.Top1, ["top3"] = r.Top3,
                                ["specificity"] = r.Specificity,
                                ["issues_detail"] = new JsonArray(r.Details.Select(d => (JsonNode)new JsonObject
                                {
                                    ["issue"] = d.Issue, ["truth"] = d.Truth, ["ranking"] = new JsonArray(d.Ranked.Take(5).Select(x => (JsonNode)x).ToArray()),
                                }).ToArray()),
                            });
                        }
                        foreach (var metric in reports.Select(r => r.Metric).Distinct())
                            if (PetShopBaseline.TryGetValue(metric, out var b))
                                table.AddRow(metric, "[grey]MAD anomaly traversal, published (low traffic)[/]", "", F(b.Top1), F(b.Top3), F(b.Specificity));
                        output.Add(() => FittedTable.Write(console, table));
                        var misses = new Table().Border(TableBorder.Minimal).Title("Issues whose root cause is not first");
                        foreach (var c in new[] { "metric", "method", "issue", "truth", "our first three" }) misses.AddColumn(c);
                        foreach (var r in reports)
                            foreach (var d in r.Details.Where(d => d.Ranked.FirstOrDefault() != d.Truth))
                                misses.AddRow(r.Metric, Markup.Escape(r.Method), d.Issue, Markup.Escape(d.Truth), Markup.Escape(string.Join(", ", d.Ranked.Take(3))));
                        output.Add(() => FittedTable.Write(console, misses));
                    }
                    document["petshop"] = all;
                }

                if (micro is not null)
                {
                    var variants = new List<(string, LocalizeOptions)> { ("noise surprise (ours)", options) };
                    if (parse.GetValue(shapley)) variants.Add(("Shapley attribution", options with { Method = RankingMethod.Shapley, Target = "Website" }));
                    var all = new JsonArray();
                    var table = new Table().Border(TableBorder.Rounded).Title("DoWhy microservice example (root cause: Caching Service)");
                    foreach (var c in new[] { "method", "outlier: flagged", "outlier: first (no target / --target Website)", "degraded: CS flagged", "degraded: other nodes flagged per row", "degraded: CS first (--target Website)" }) table.AddColumn(c);
                    foreach (var (name, o) in variants)
                    {
                        var r = LocalizationEvaluation.Microservice(micro, o);
                        step.Done();
                        table.AddRow(Markup.Escape(name + $", flags at pi = {piValue}"), Markup.Escape(string.Join(", ", r.OutlierFlagged)), Markup.Escape($"{r.OutlierTop} / {r.OutlierTopWithTarget}"),
                            F(r.CachingFlagged), r.MeanOthersFlagged.ToString("F2", CultureInfo.InvariantCulture), F(r.CachingTopWithTarget));
                        table.AddRow(Markup.Escape(name + ", flags at noise tail < 0.05 / nodes"), Markup.Escape(string.Join(", ", r.OutlierFamilyWise)), "",
                            F(r.CachingFamilyWise), r.MeanOthersFamilyWise.ToString("F2", CultureInfo.InvariantCulture), "");
                        var flagRates = new JsonObject();
                        foreach (var (k, v) in r.FlagRates) flagRates[k] = v;
                        all.Add(new JsonObject
                        {
                            ["method"] = name, ["outlier_flagged"] = new JsonArray(r.OutlierFlagged.Select(x => (JsonNode)x).ToArray()),
                            ["outlier_first"] = r.OutlierTop, ["outlier_first_with_target"] = r.OutlierTopWithTarget, ["degraded_rows"] = r.DegradedRows,
                            ["caching_flagged"] = r.CachingFlagged, ["mean_others_flagged"] = r.MeanOthersFlagged, ["caching_first"] = r.CachingTop,
                            ["caching_first_with_target"] = r.CachingTopWithTarget, ["flag_rates"] = flagRates,
                            ["outlier_flagged_family_wise"] = new JsonArray(r.OutlierFamilyWise.Select(x => (JsonNode)x).ToArray()),
                            ["caching_flagged_family_wise"] = r.CachingFamilyWise, ["mean_others_flagged_family_wise"] = r.MeanOthersFamilyWise,
                        });
                    }
                    table.AddRow("[grey]DoWhy notebook, published[/]", "", "Caching Service (attribution; no figures printed)", "", "", "Caching Service (distribution change)");
                    output.Add(() => FittedTable.Write(console, table));
                    document["microservice"] = all;
                }
            }
        }, ct));
        return command;
    }

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("F3", CultureInfo.InvariantCulture);
}
