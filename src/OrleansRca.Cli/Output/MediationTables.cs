namespace OrleansRca.Cli.Output;

/// <summary>The mediation result as terminal tables: NIE matrix (treatments x mediators), then TE and NDE.</summary>
public static class MediationTables
{
    public static void Write(IAnsiConsole console, JsonObject result)
    {
        var nie = result["nie"]!.AsArray().Select(x => x!.AsObject()).ToList();
        var treatments = nie.Select(p => p["treatment"]!.GetValue<string>()).Distinct().ToList();
        var mediators = nie.Select(p => p["mediator"]!.GetValue<string>()).Distinct().ToList();
        var effects = result["effects"]!.AsArray().Select(x => x!.AsObject()).ToList();
        if (treatments.Count == 0) treatments = effects.Select(e => e["treatment"]!.GetValue<string>()).ToList();

        console.MarkupLine($"[bold]Outcome[/] {Markup.Escape(result["outcome"]!.GetValue<string>())}   " +
            $"[bold]rows[/] {result["rows"]}   [bold]treated[/] {Markup.Escape(result["treated"]?.GetValue<string>() ?? "")}   " +
            $"[bold]untreated[/] {Markup.Escape(result["untreated"]?.GetValue<string>() ?? "")}");

        var matrix = new Table().Title("Natural indirect effect per unit (mean over rows); total over rows below").Border(TableBorder.Rounded);
        matrix.AddColumn("treatment \\ mediator");
        foreach (var m in mediators) matrix.AddColumn(new TableColumn(Markup.Escape(m)).RightAligned());
        foreach (var t in treatments)
        {
            var cells = new List<string> { Markup.Escape(t) };
            foreach (var m in mediators)
            {
                var p = nie.First(x => x["treatment"]!.GetValue<string>() == t && x["mediator"]!.GetValue<string>() == m);
                var text = $"{Format(p["mean"])}\n[grey]Σ {Format(p["total"])}[/]";
                if (p["mean_ci"] is JsonArray ci) text += $"\n[grey][[{Format(ci[0])}, {Format(ci[1])}]][/]";
                cells.Add(text);
            }
            matrix.AddRow(cells.ToArray());
        }
        FittedTable.Write(console, matrix);

        var totals = new Table().Title("Total and natural direct effects per unit").Border(TableBorder.Rounded);
        totals.AddColumn("treatment");
        foreach (var c in new[] { "TE mean", "TE total", "NDE mean", "NDE total" }) totals.AddColumn(new TableColumn(c).RightAligned());
        foreach (var e in effects)
        {
            var te = Format(e["te_mean"]) + (e["te_mean_ci"] is JsonArray a ? $"\n[grey][[{Format(a[0])}, {Format(a[1])}]][/]" : "");
            var nde = Format(e["nde_mean"]) + (e["nde_mean_ci"] is JsonArray d ? $"\n[grey][[{Format(d[0])}, {Format(d[1])}]][/]" : "");
            totals.AddRow(Markup.Escape(e["treatment"]!.GetValue<string>()), te, Format(e["te_total"]), nde, Format(e["nde_total"]));
        }
        FittedTable.Write(console, totals);
        if (result["bootstrap"] is { } b)
            console.MarkupLine($"[grey]Brackets: 95% percentile intervals from {b} bootstrap resamples.[/]");
    }

    public static string Format(JsonNode? value) => TableCells.Number(value, "G6");
}
