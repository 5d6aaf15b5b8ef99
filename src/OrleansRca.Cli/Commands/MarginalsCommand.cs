using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OrleansRca.Causal;
using OrleansRca.Causal.Discrete;
using Spectre.Console;

namespace OrleansRca.Cli.Commands;

/// <summary><c>marginals</c>: exact P(X) of every node of a BIF network, optionally under do(NODE = STATE) (contract sections 3-4).</summary>
public static class MarginalsCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = "Discrete Bayesian network (BIF file, bnlearn format).", Required = true };
        var intervention = new Option<string?>("--do") { Description = "An intervention NODE=STATE: marginals under do(NODE = STATE)." };
        var format = CommonOptions.Format();
        var command = new Command("marginals", "Exact marginals of a discrete Bayesian network, observational or under one intervention.");
        command.Options.Add(network);
        command.Options.Add(intervention);
        command.Options.Add(format);
        command.SetAction((parse, ct) => CliExit.RunAsync(_ =>
        {
            var json = CommonOptions.IsJson(parse.GetValue(format)!);
            var net = LoadNetwork(parse.GetValue(network)!);
            var inference = new ExactInference(net);
            var spec = parse.GetValue(intervention);
            double[][] marginals;
            (int Node, int State)? doNode = null;
            if (spec is null)
            {
                marginals = inference.Marginals();
            }
            else
            {
                doNode = ParseIntervention(net, spec);
                marginals = inference.Marginals(doNode.Value.Node, doNode.Value.State);
            }

            var byNode = new JsonObject();
            foreach (var v in net.Variables)
            {
                var states = new JsonObject();
                for (var k = 0; k < v.Cardinality; k++) states[v.States[k]] = marginals[v.Index][k];
                byNode[v.Name] = states;
            }
            var result = new JsonObject { ["marginals"] = byNode };
            if (doNode is { } d)
                result["do"] = new JsonObject { ["node"] = net.Variables[d.Node].Name, ["state"] = net.Variables[d.Node].States[d.State] };

            if (json) CliExit.WriteJson(result);
            else WriteTable(net, marginals, doNode);
            return Task.FromResult(CliExit.Ok);
        }, ct));
        return command;
    }

    /// <summary>Reads a BIF file; a missing file is bad input.</summary>
    public static BayesianNetwork LoadNetwork(string path) =>
        File.Exists(path) ? BifReader.Load(path) : throw new InputException($"network file '{path}' does not exist");

    /// <summary>
    /// NODE=STATE. Node names may themselves contain '=', so every split point is tried and the one naming
    /// a node wins.
    /// </summary>
    public static (int Node, int State) ParseIntervention(BayesianNetwork net, string spec)
    {
        for (var cut = spec.IndexOf('='); cut >= 0; cut = spec.IndexOf('=', cut + 1))
        {
            var node = net.IndexOf(spec[..cut]);
            if (node < 0) continue;
            var state = net.Variables[node].StateIndex(spec[(cut + 1)..]);
            if (state < 0)
                throw new InputException(
                    $"--do {spec}: node '{spec[..cut]}' has no state '{spec[(cut + 1)..]}' (states: {string.Join(", ", net.Variables[node].States)})");
            return (node, state);
        }
        if (!spec.Contains('='))
            throw new InputException($"--do must be NODE=STATE, not '{spec}'");
        throw new InputException($"--do {spec}: unknown node '{spec[..spec.IndexOf('=')]}'");
    }

    private static void WriteTable(BayesianNetwork net, double[][] marginals, (int Node, int State)? doNode)
    {
        var title = doNode is { } d
            ? $"P(X | do({net.Variables[d.Node].Name} = {net.Variables[d.Node].States[d.State]}))"
            : "P(X)";
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Rounded);
        table.AddColumn("node");
        table.AddColumn("state");
        table.AddColumn(new TableColumn("probability").RightAligned());
        table.AddColumn("");
        foreach (var v in net.Variables)
            for (var k = 0; k < v.Cardinality; k++)
            {
                var p = marginals[v.Index][k];
                table.AddRow(
                    k == 0 ? Markup.Escape(v.Name) : "",
                    Markup.Escape(v.States[k]),
                    p.ToString("F6", CultureInfo.InvariantCulture),
                    $"[blue]{new string('█', (int)Math.Round(p * 20))}[/]");
            }
        AnsiConsole.Write(table);
    }
}
