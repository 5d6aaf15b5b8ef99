namespace OrleansRca.Cli.Commands;

/// <summary>
/// <c>marginals</c>: exact P(X) of every node of a BIF network, optionally under do(NODE = STATE) (contract
/// sections 3-4). Runs as a <c>marginals</c> analysis on the cluster (embedded single silo by default).
/// </summary>
public static class MarginalsCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = "Discrete Bayesian network (BIF file, bnlearn format).", Required = true };
        var intervention = new Option<string?>("--do") { Description = "An intervention NODE=STATE: marginals under do(NODE = STATE)." };
        var format = CommonOptions.Format();
        var cluster = CommonOptions.Cluster();
        var command = new Command("marginals", "Exact marginals of a discrete Bayesian network, observational or under one intervention.") { network, intervention, format, cluster };
        command.SetAction((parse, ct) => CliExit.RunAsync(token => CommonOptions.RunAnalysisAsync(parse, format, cluster, AnalysisKinds.Marginals, () =>
        {
            var request = new JsonObject { ["network"] = MediateCommand.ReadText(parse.GetValue(network)!, "network file") };
            if (parse.GetValue(intervention) is { } spec) request["do"] = spec;
            return request;
        }, WriteTable, token), ct));
        return command;
    }

    private static void WriteTable(JsonObject result)
    {
        var title = result["do"] is JsonObject d ? $"P(X | do({(string?)d["node"]} = {(string?)d["state"]}))" : "P(X)";
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Rounded);
        table.AddColumn("node");
        table.AddColumn("state");
        table.AddColumn(new TableColumn("probability").RightAligned());
        table.AddColumn("");
        foreach (var (node, states) in result["marginals"]!.AsObject())
        {
            var first = true;
            foreach (var (state, value) in states!.AsObject())
            {
                var p = value!.GetValue<double>();
                table.AddRow(
                    first ? Markup.Escape(node) : "",
                    Markup.Escape(state),
                    p.ToString("F6", CultureInfo.InvariantCulture),
                    $"[blue]{new string('█', (int)Math.Round(p * 20))}[/]");
                first = false;
            }
        }
        FittedTable.Write(AnsiConsole.Console, table);
    }
}
