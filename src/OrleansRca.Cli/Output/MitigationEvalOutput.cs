using OrleansRca.Causal.Mitigation;
using OrleansRca.Wire.Results;

namespace OrleansRca.Cli.Output;

/// <summary>
/// The mitigation part of <c>localize-eval --rootclam ... --mitigate DETECTORS</c>: RootCLAM's table 4 protocol on the
/// seeded Loan and Adult SCMs, as a table and a JSON section, with the published figures beside ours.
/// </summary>
public static class MitigationEvalOutput
{
    /// <summary>Every setting; <paramref name="cost"/> names the solve's cost (sd or unit). Norms are ||theta|| in the nodes' own units, as RootCLAM reports them.</summary>
    public static JsonArray ToJson(IReadOnlyList<MitigationScore> scores, string cost) => new(scores.Select(s => (JsonNode)new JsonObject
        {
            ["dataset"] = s.Dataset,
            ["mechanisms"] = s.Mechanisms,
            ["seed"] = s.Seed,
            ["detector"] = AnomalyDetector.ToText(s.Detector),
            ["alpha"] = s.Alpha,
            ["act_on"] = MitigationOptions.ToText(s.ActOn),
            ["cost"] = cost,
            ["anomalies"] = s.Anomalies,
            ["detected"] = s.Detected,
            ["detector_flip"] = JsonNumbers.Finite(s.DetectorFlip),
            ["label_flip"] = JsonNumbers.Finite(s.LabelFlip),
            ["mean_action_norm"] = JsonNumbers.Finite(s.MeanNorm),
            ["mean_action_norm_detector_flipped"] = JsonNumbers.Finite(s.MeanNormDetector),
            ["mean_cost"] = JsonNumbers.Finite(s.MeanCost),
            ["model_detector_flip"] = JsonNumbers.Finite(s.ModelDetectorFlip),
            ["ms_per_row"] = s.MillisecondsPerRow,
            ["statuses"] = new JsonObject(s.Statuses.Select(kv => KeyValuePair.Create(MitigationJson.StatusText(kv.Key), (JsonNode?)kv.Value))),
            ["undo_shift"] = new JsonObject
            {
                ["detector_flip"] = JsonNumbers.Finite(s.UndoShift.DetectorFlip), ["label_flip"] = JsonNumbers.Finite(s.UndoShift.LabelFlip), ["mean_action_norm"] = JsonNumbers.Finite(s.UndoShift.MeanNorm),
            },
            ["label_reachable"] = JsonNumbers.Finite(s.LabelReachable),
            ["published"] = s.Published is { } p ? new JsonObject
            {
                ["detector"] = p.Detector, ["detector_flip"] = p.DetectorFlip, ["label_flip"] = p.LabelFlip, ["mean_action_norm"] = p.ActionNorm,
            } : null,
        }).ToArray());

    public static void WriteTable(IAnsiConsole console, IReadOnlyList<MitigationScore> scores, string cost)
    {
        var objective = cost == "unit" ? "least ||θ||" : "least ||θ/sd||";
        var table = new Table().Border(TableBorder.Rounded).Title($"Anomaly mitigation, RootCLAM protocol, {objective}; norms in the nodes' units (ours | RootCLAM table 4)");
        foreach (var c in new[] { "dataset", "mechanisms", "seed", "detector", "alpha", "act on", "detected", "Ŷ flip", "Y flip", "mean ||θ|| (Y flipped)", "mean ||θ|| (Ŷ flipped)", "mean cost (Y flipped)", "ms/row", "statuses", "shift undone: Ŷ, Y flip, norm", "Y reachable by any action" })
            table.AddColumn(c);
        foreach (var s in scores)
        {
            var p = s.Published;
            table.AddRow(s.Dataset, s.Mechanisms, s.Seed.ToString(CultureInfo.InvariantCulture), $"{AnomalyDetector.ToText(s.Detector)} | {p?.Detector}", F(s.Alpha), MitigationOptions.ToText(s.ActOn), $"{s.Detected}/{s.Anomalies}",
                $"{F(s.DetectorFlip)} | {F(p?.DetectorFlip)}", $"{F(s.LabelFlip)} | {F(p?.LabelFlip)}", $"{F(s.MeanNorm)} | {F(p?.ActionNorm)}", F(s.MeanNormDetector), F(s.MeanCost),
                s.MillisecondsPerRow.ToString("F3", CultureInfo.InvariantCulture),
                string.Join(", ", s.Statuses.Select(kv => $"{MitigationJson.StatusText(kv.Key)} {kv.Value}")),
                $"{F(s.UndoShift.DetectorFlip)}, {F(s.UndoShift.LabelFlip)}, {F(s.UndoShift.MeanNorm)}", F(s.LabelReachable));
        }
        FittedTable.Write(console, table);
    }

    private static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("F3", CultureInfo.InvariantCulture) : "-";
}
