namespace OrleansRca.Cli.Commands;

/// <summary>
/// <c>disentangle</c>: mixing proportions of a mixture of single-node interventions from its marginals (DIMM;
/// contract sections 3-4). Runs as a <c>disentanglement</c> analysis on the cluster (embedded single silo by default).
/// </summary>
public static class DisentangleCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = "Discrete Bayesian network (BIF file, bnlearn format).", Required = true };
        var mixture = new Option<string>("--mixture") { Description = "Mixture marginals (JSON: {\"marginals\": {NODE: {STATE: p}}, \"samples\": m}).", Required = true };
        var method = new Option<string>("--method")
        {
            Description = "auto (default: robust when the file states 'samples', exact otherwise), exact (theorem 1) or robust.",
            DefaultValueFactory = _ => "auto",
        };
        var format = CommonOptions.Format();
        var cluster = CommonOptions.Cluster();
        var command = new Command("disentangle", "Recover the proportions of a mixture of interventions on a discrete network from its marginals.") { network, mixture, method, format, cluster };
        command.SetAction((parse, ct) => CliExit.RunAsync(token => CommonOptions.RunAnalysisAsync(parse, format, cluster, AnalysisKinds.Disentanglement, () =>
        {
            var mixturePath = parse.GetValue(mixture)!;
            return new JsonObject
            {
                ["network"] = MediateCommand.ReadText(parse.GetValue(network)!, "network file"),
                ["mixture"] = RequestJson.ParseObject(MediateCommand.ReadText(mixturePath, "mixture file"), $"mixture file '{mixturePath}'"),
                ["method"] = parse.GetValue(method),
            };
        }, WriteTable, token), ct));
        return command;
    }

    private static void WriteTable(JsonObject result)
    {
        var all = result["proportions"]!.AsArray()
            .Select(p => (Node: (string)p!["node"]!, State: (string)p["state"]!, Pi: p["pi"]!.GetValue<double>()))
            .ToList();
        var active = all.Where(p => p.Pi > 0).OrderByDescending(p => p.Pi).ToList();
        AnsiConsole.MarkupLine(
            $"[bold]pi_phi[/] (no intervention) {result["pi_phi"]!.GetValue<double>().ToString("F6", CultureInfo.InvariantCulture)}   " +
            $"[bold]method[/] {Markup.Escape((string?)result["method"] ?? "")}   " +
            $"[bold]interventions[/] {active.Count} of {all.Count} with a non-zero proportion");
        if (active.Count == 0) return;
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("intervention");
        table.AddColumn(new TableColumn("pi").RightAligned());
        foreach (var p in active)
            table.AddRow($"do({Markup.Escape(p.Node)} = {Markup.Escape(p.State)})", p.Pi.ToString("F6", CultureInfo.InvariantCulture));
        FittedTable.Write(AnsiConsole.Console, table);
    }
}
