namespace OrleansRca.Cli.Commands;

/// <summary>
/// <c>discover</c>: the DAG and each regime's unknown intervention targets from an observational data set and
/// regimes (contract section 4). Builds the same request body as <c>POST /v1/analyses/discovery</c> and runs it on
/// the cluster (embedded single silo by default): node grains screen and score each node, the search runs on the orchestrator's silo.
/// </summary>
public static class DiscoverCommand
{
    public static Command Create()
    {
        var data = new Option<string[]>("--data")
        {
            Description = "Data CSV (repeatable): the first is observational, every other one a regime with unknown interventions.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var missing = new Option<string?>("--missing") { Description = "Empty cells: error (default), mean (observational means), interpolate or drop." };
        var require = new Option<string[]>("--require") { Description = "An edge that must be in the graph, PARENT->CHILD (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var forbid = new Option<string[]>("--forbid") { Description = "An edge that must not be in the graph, PARENT->CHILD (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var tier = new Option<string[]>("--tier")
        {
            Description = "A tier of nodes, comma-separated (repeatable, earliest first): no edge points from a later tier to an earlier one.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var penalty = new Option<double?>("--penalty") { Description = "Multiplier of the BIC penalty (default 1): above 1 gives sparser graphs." };
        var restarts = new Option<int?>("--restarts") { Description = "Perturbed restarts of the search (default 10)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the perturbations (default 0)." };
        var outPath = new Option<string?>("--out") { Description = "Write the discovered model file (contract section 1, fitted linear mechanisms) here." };
        var format = CommonOptions.Format();
        var cluster = CommonOptions.Cluster();
        var command = new Command("discover", "Causal discovery: the DAG and each regime's unknown intervention targets.")
        {
            data, missing, require, forbid, tier, penalty, restarts, seed, outPath, format, cluster,
        };
        command.SetAction((parse, ct) => CliExit.RunAsync(async token =>
        {
            var json = CommonOptions.IsJson(parse.GetValue(format)!);
            var files = parse.GetValue(data)!;
            if (files.Distinct().Count() != files.Length) throw new InputException("a data file is given twice");
            var request = new JsonObject { ["names"] = new JsonArray(files.Select(f => (JsonNode)f).ToArray()) };
            // The files are read straight into columns and reach the cluster as datasets: data[i] is file i.
            var dataFiles = files.Select((f, i) => (Field: $"data[{i}]", File: f)).ToDictionary(x => x.Field, x => x.File);
            if (parse.GetValue(missing) is { } m) request["missing"] = m;
            if (parse.GetValue(require) is { Length: > 0 } r) request["require"] = new JsonArray(r.Select(x => (JsonNode)x).ToArray());
            if (parse.GetValue(forbid) is { Length: > 0 } f) request["forbid"] = new JsonArray(f.Select(x => (JsonNode)x).ToArray());
            if (parse.GetValue(tier) is { Length: > 0 } t)
                request["tiers"] = new JsonArray(t.Select(x => (JsonNode)new JsonArray(DiscoveryRequest.SplitTier(x).Select(n => (JsonNode)n).ToArray())).ToArray());
            if (parse.GetValue(penalty) is { } p) request["penalty"] = p;
            if (parse.GetValue(restarts) is { } rs) request["restarts"] = rs;
            if (parse.GetValue(seed) is { } s) request["seed"] = s;
            var output = parse.GetValue(outPath);
            if (output is not null) request["model"] = true;
            var result = await Analyses.RunWithProgressAsync(AnalysisKinds.Discovery, request, parse.GetValue(cluster), token, dataFiles);
            if (output is not null && result["model"] is JsonObject model)
            {
                File.WriteAllText(output, model.ToJsonString(CliExit.Indented) + "\n");
                result.Remove("model");
            }
            if (json) CliExit.WriteJson(result);
            else WriteTable(result, output);
            return CliExit.Ok;
        }, ct));
        return command;
    }

    private static void WriteTable(JsonObject result, string? output)
    {
        var edges = result["edge_confidence"]!.AsArray();
        AnsiConsole.MarkupLine($"[bold]nodes[/] {result["nodes"]!.AsArray().Count}   [bold]edges[/] {edges.Count}   [bold]rows[/] {string.Join(" + ", result["rows"]!.AsArray().Select(r => r!.ToString()))}");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("parent");
        table.AddColumn("child");
        table.AddColumn(new TableColumn("confidence").RightAligned());
        table.AddColumn(new TableColumn("orientation").RightAligned());
        foreach (var e in edges)
            table.AddRow(Markup.Escape((string)e!["parent"]!), Markup.Escape((string)e["child"]!),
                e["confidence"]!.GetValue<double>().ToString("F3", CultureInfo.InvariantCulture),
                e["orientation"]!.GetValue<double>().ToString("F3", CultureInfo.InvariantCulture));
        FittedTable.Write(AnsiConsole.Console, table);
        var targets = new Table().Border(TableBorder.Rounded);
        targets.AddColumn("regime");
        targets.AddColumn("intervened nodes (posterior probability)");
        foreach (var (regime, list) in result["target_confidence"]!.AsObject())
            targets.AddRow(Markup.Escape(regime), Markup.Escape(string.Join(", ", list!.AsArray().Select(t =>
                $"{(string)t!["node"]!} ({t["probability"]!.GetValue<double>().ToString("F3", CultureInfo.InvariantCulture)})"))));
        if (result["target_confidence"]!.AsObject().Count > 0) FittedTable.Write(AnsiConsole.Console, targets);
        if (output is not null) AnsiConsole.MarkupLine($"model written to [bold]{Markup.Escape(output)}[/]");
    }
}
