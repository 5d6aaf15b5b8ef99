namespace OrleansRca.Cli.Commands;

/// <summary><c>mitigate</c>: the least-cost actions on each anomalous row's root causes that make the detector score it normal (contract section 4).</summary>
public static class MitigateCommand
{
    public static Command Create() =>
        new AnomalyInputs("Causal model file (JSON, contract section 1); nodes with \"controllable\": false are never acted on.",
            "Normal-operation CSV: mechanisms, noise distributions and the detector are fitted on it.", "CSV of anomalous rows to mitigate.")
            .CreateVerb("mitigate", "Anomaly mitigation: least-cost soft interventions on each row's flagged, controllable nodes whose counterfactual the detector scores normal.",
                AnalysisKinds.Mitigation, new MitigateOptionSet(), WriteTable);

    public static void WriteTable(IAnsiConsole console, JsonObject result)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Mitigation ({result["detector"]}, threshold {TableCells.Number(result["threshold"])}, alpha {TableCells.Number(result["alpha"])}, on {((string?)result["act_on"] == "controllable" ? "every controllable node" : "root causes")})");
        foreach (var c in new[] { "row", "status", "root causes", "actions (theta)", "score before", "score after", "flipped", "cost" }) table.AddColumn(c);
        foreach (var row in result["rows"]!.AsArray().Select(r => r!.AsObject()))
        {
            var causes = TableCells.Lines(row["root_causes"]!);
            var actions = string.Join("\n", row["actions"]!.AsObject().Select(kv => $"{kv.Key} {kv.Value!.GetValue<double>():+0.####;-0.####}"));
            var status = row["status"]!.GetValue<string>() + (row["reason"] is { } reason ? $"\n{reason.GetValue<string>()}" : "");
            table.AddRow(row["row"]!.ToString(), Markup.Escape(status), Markup.Escape(causes), Markup.Escape(actions),
                TableCells.Number(row["score_before"]), TableCells.Number(row["score_after"]), row["flipped"]!.GetValue<bool>() ? "yes" : "no", TableCells.Number(row["cost"]));
        }
        FittedTable.Write(console, table);
    }
}

/// <summary>The mitigate options by their contract names.</summary>
public sealed class MitigateOptionSet : RequestOptionSet
{
    private readonly Option<string?> _detector = new("--detector") { Description = "Anomaly detector trained on the normal rows: mahalanobis (default), pca, or mixture (Gaussian mixture, for multi-modal normal data)." };
    private readonly Option<double?> _alpha = new("--alpha") { Description = "The counterfactual must score at or below alpha x threshold; > 0 (default 1)." };
    private readonly Option<double?> _pi = new("--pi") { Description = "Root causes: nodes whose noise CDF is below pi or above 1 - pi, in (0, 0.5) (default 0.125)." };
    private readonly Option<string?> _missing = CommonOptions.Missing();
    private readonly Option<string?> _actOn = new("--act-on") { Description = "Nodes the actions may touch: root-causes (default: the row's flagged, controllable nodes) or controllable (every controllable node, as algorithmic recourse)." };
    private readonly Option<string?> _cost = new("--cost") { Description = "Cost scales s of ||theta / s||: sd (default: each node's normal standard deviation), unit, or N=s,N=s (others sd)." };

    protected override IReadOnlyList<Option> Options => [_detector, _alpha, _pi, _actOn, _missing, _cost];
}
