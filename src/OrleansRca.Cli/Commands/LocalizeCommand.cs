using OrleansRca.Causal.RootCause;

namespace OrleansRca.Cli.Commands;

/// <summary><c>localize</c>: which nodes were pushed in each anomalous row (contract section 4).</summary>
public static class LocalizeCommand
{
    public static Command Create() =>
        new AnomalyInputs("Causal model file (JSON, contract section 1).",
            "Normal-operation CSV: mechanisms and noise distributions are fitted on it.", "CSV of anomalous rows to explain.")
            .CreateVerb("localize", "Root-cause localization: flag the nodes whose abducted noise is abnormal, and rank the causes of an alert.",
                AnalysisKinds.Localization, new LocalizeOptionSet(), WriteTables);

    public static void WriteTables(IAnsiConsole console, JsonObject result)
    {
        var target = result["target"]?.GetValue<string>();
        var table = new Table().Border(TableBorder.Rounded)
            .Title(target is null ? $"Root causes (noise CDF outside [[pi, 1 − pi]], pi = {result["pi"]})" : $"Causes of the anomaly of {Markup.Escape(target)} (+ marks nodes that moved with the one above)");
        table.AddColumn(new TableColumn("row").RightAligned());
        table.AddColumn("status");
        table.AddColumn("root causes (flagged at pi)");
        table.AddColumn("ranking (score)");
        foreach (var row in result["rows"]!.AsArray().Select(r => r!.AsObject()))
        {
            var causes = TableCells.Lines(row["root_causes"]!);
            var ranking = string.Join("\n", row["ranking"]!.AsArray().Take(5).Select(x =>
                $"{x!["node"]!.GetValue<string>()} ({(x["score"] is { } s ? TableCells.Number(s) : "inf")})"
                + (x["moved_with"] is JsonArray with ? string.Concat(with.Select(w => $"\n+ {w!.GetValue<string>()}")) : "")));
            table.AddRow(row["row"]!.ToString(), row["status"]!.GetValue<string>(), Markup.Escape(causes), Markup.Escape(ranking));
        }
        FittedTable.Write(console, table);
        var fits = new Table().Border(TableBorder.Rounded).Title("Fit on normal data (held-out error, cross-validated)");
        foreach (var c in new[] { "node", "family", "rows", "held-out R²", "held-out RMSE", "linear RMSE", "notes" }) fits.AddColumn(c);
        foreach (var f in result["fits"]!.AsArray().Select(x => x!.AsObject()))
            fits.AddRow(Markup.Escape(f["node"]!.GetValue<string>()), f["family"]!.GetValue<string>(), f["rows"]!.ToString(),
                TableCells.Number(f["held_out_r2"]), TableCells.Number(f["held_out_rmse"]), TableCells.Number(f["linear_rmse"]),
                Markup.Escape(string.Join("; ", f["notes"]?.AsArray().Select(n => n!.GetValue<string>()) ?? [])));
        FittedTable.Write(console, fits);
    }
}

/// <summary>The localize options by their contract names (shared with the evaluation verb).</summary>
public sealed class LocalizeOptionSet : RequestOptionSet
{
    private readonly Option<double?> _pi = new("--pi") { Description = "Two-sided noise-CDF threshold for root causes, in (0, 0.5) (default 0.125)." };
    private readonly Option<string?> _target = new("--target") { Description = "Alerting node: rank the upstream causes of its anomaly (empty when it is not anomalous)." };
    private readonly Option<string?> _missing = CommonOptions.Missing();
    private readonly Option<string?> _method = new("--method") { Description = "Ranking: noise (default; noise surprise) or shapley (outlier-score attribution)." };
    private readonly Option<double?> _blameLevel = new("--blame-level") { Description = "With --target: family-wise level; an upstream noise is blamed when its two-sided tail probability is below this over the number of upstream nodes (default 0.05)." };
    private readonly Option<int?> _seed = new("--seed") { Description = "Seed of the Shapley noise draws and permutations (default 0)." };
    private readonly Option<int?> _samples = new("--samples") { Description = "Shapley: noise draws per subset (default 2000)." };
    private readonly Option<int?> _permutations = new("--permutations") { Description = "Shapley: sampled permutations beyond 8 upstream nodes (default 64)." };

    protected override IReadOnlyList<Option> Options => [_pi, _target, _missing, _method, _blameLevel, _seed, _samples, _permutations];
}
