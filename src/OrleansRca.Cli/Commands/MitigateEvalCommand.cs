using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OrleansRca.Causal;
using OrleansRca.Causal.Mitigation;
using Spectre.Console;

namespace OrleansRca.Cli.Commands;

/// <summary><c>mitigate-eval</c>: RootCLAM's mitigation protocol on the seeded Loan and Adult SCMs, with the published figures beside ours.</summary>
public static class MitigateEvalCommand
{
    public static Command Create()
    {
        var datasets = new Option<string>("--datasets") { Description = "Comma-separated: loan, adult (default both).", DefaultValueFactory = _ => "loan,adult" };
        var normal = new Option<int>("--normal-rows") { Description = "Normal rows to fit on (default 10000, the protocol's).", DefaultValueFactory = _ => 10_000 };
        var anomalies = new Option<int>("--anomaly-rows") { Description = "Anomalous rows, types evenly mixed (default 1000).", DefaultValueFactory = _ => 1_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the data (default 1).", DefaultValueFactory = _ => 1 };
        var detectors = new Option<string>("--detectors") { Description = "Comma-separated: mahalanobis, pca (default both).", DefaultValueFactory = _ => "mahalanobis,pca" };
        var alphas = new Option<string>("--alphas") { Description = "Comma-separated alphas (default 1).", DefaultValueFactory = _ => "1" };
        var pi = new Option<double>("--pi") { Description = "Localization's root-cause threshold (default 0.125).", DefaultValueFactory = _ => 0.125 };
        var components = new Option<int?>("--components") { Description = "PCA bottleneck width or mixture size (default: chosen by explained variance / BIC)." };
        var fitted = new Option<bool>("--fitted") { Description = "Loan: fit the mechanisms on the normal rows instead of giving the true ones (Adult is always fitted)." };
        var format = CommonOptions.Format();
        var command = new Command("mitigate-eval", "RootCLAM's mitigation protocol on Loan and Adult: detector and ground-truth label flip ratios and mean action norm, published figures beside ours.");
        foreach (var o in new Option[] { datasets, normal, anomalies, seed, detectors, alphas, pi, components, fitted, format }) command.Options.Add(o);
        command.SetAction((parse, ct) => CliExit.RunAsync(token =>
        {
            var json = CommonOptions.IsJson(parse.GetValue(format)!);
            var kinds = Split(parse.GetValue(detectors)!).Select(AnomalyDetector.ParseKind).ToList();
            var alphaValues = Split(parse.GetValue(alphas)!).Select(a => double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
                : throw new InputException($"alpha '{a}' is not a positive number")).ToList();
            var scores = Split(parse.GetValue(datasets)!).SelectMany(d =>
            {
                token.ThrowIfCancellationRequested();
                return MitigationEvaluation.Run(d, d == "loan" && !parse.GetValue(fitted), parse.GetValue(normal), parse.GetValue(anomalies),
                    parse.GetValue(seed), kinds, alphaValues, parse.GetValue(pi), parse.GetValue(components));
            }).ToList();
            if (json) CliExit.WriteJson(ToJson(scores));
            else WriteTable(AnsiConsole.Console, scores);
            return Task.FromResult(CliExit.Ok);
        }, ct));
        return command;
    }

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public static JsonObject ToJson(IReadOnlyList<MitigationScore> scores) => new()
    {
        ["settings"] = new JsonArray(scores.Select(s => (JsonNode)new JsonObject
        {
            ["dataset"] = s.Dataset,
            ["mechanisms"] = s.Mechanisms,
            ["detector"] = AnomalyDetector.ToText(s.Detector),
            ["alpha"] = s.Alpha,
            ["anomalies"] = s.Anomalies,
            ["detected"] = s.Detected,
            ["detector_flip"] = Num(s.DetectorFlip),
            ["label_flip"] = Num(s.LabelFlip),
            ["mean_action_norm"] = Num(s.MeanNorm),
            ["mean_action_norm_detector_flipped"] = Num(s.MeanNormDetector),
            ["model_detector_flip"] = Num(s.ModelDetectorFlip),
            ["ms_per_row"] = s.MillisecondsPerRow,
            ["statuses"] = new JsonObject(s.Statuses.Select(kv => KeyValuePair.Create(MitigationJson.StatusText(kv.Key), (JsonNode?)kv.Value))),
            ["published"] = s.Published is { } p ? new JsonObject
            {
                ["detector"] = p.Detector, ["detector_flip"] = p.DetectorFlip, ["label_flip"] = p.LabelFlip, ["mean_action_norm"] = p.ActionNorm,
            } : null,
        }).ToArray()),
    };

    private static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    public static void WriteTable(IAnsiConsole console, IReadOnlyList<MitigationScore> scores)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Anomaly mitigation, RootCLAM protocol (ours | RootCLAM table 4)");
        foreach (var c in new[] { "dataset", "mechanisms", "detector", "alpha", "detected", "Ŷ flip", "Y flip", "mean ||θ/sd|| (Y flipped)", "mean ||θ/sd|| (Ŷ flipped)", "ms/row", "statuses" })
            table.AddColumn(c);
        foreach (var s in scores)
        {
            var p = s.Published;
            table.AddRow(s.Dataset, s.Mechanisms, $"{AnomalyDetector.ToText(s.Detector)} | {p?.Detector}", F(s.Alpha), $"{s.Detected}/{s.Anomalies}",
                $"{F(s.DetectorFlip)} | {F(p?.DetectorFlip)}", $"{F(s.LabelFlip)} | {F(p?.LabelFlip)}", $"{F(s.MeanNorm)} | {F(p?.ActionNorm)}", F(s.MeanNormDetector),
                s.MillisecondsPerRow.ToString("F3", CultureInfo.InvariantCulture),
                string.Join(", ", s.Statuses.Select(kv => $"{MitigationJson.StatusText(kv.Key)} {kv.Value}")));
        }
        console.Write(table);
    }

    private static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("F3", CultureInfo.InvariantCulture) : "-";
}
