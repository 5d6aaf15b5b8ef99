using System.CommandLine;
using System.Globalization;
using OrleansRca.Causal;
using OrleansRca.Causal.Discrete;
using Spectre.Console;

namespace OrleansRca.Cli.Commands;

/// <summary><c>disentangle</c>: mixing proportions of a mixture of single-node interventions from its marginals (DIMM; contract sections 3-4).</summary>
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
        var command = new Command("disentangle", "Recover the proportions of a mixture of interventions on a discrete network from its marginals.");
        command.Options.Add(network);
        command.Options.Add(mixture);
        command.Options.Add(method);
        command.Options.Add(format);
        command.SetAction((parse, ct) => CliExit.RunAsync(_ =>
        {
            var json = CommonOptions.IsJson(parse.GetValue(format)!);
            var chosen = parse.GetValue(method) switch
            {
                "auto" => MixtureMethod.Auto,
                "exact" => MixtureMethod.Exact,
                "robust" => MixtureMethod.Robust,
                var other => throw new InputException($"--method must be auto, exact or robust, not '{other}'"),
            };
            var net = MarginalsCommand.LoadNetwork(parse.GetValue(network)!);
            var mixturePath = parse.GetValue(mixture)!;
            if (!File.Exists(mixturePath))
                throw new InputException($"mixture file '{mixturePath}' does not exist");
            var marginals = MixtureMarginals.Load(mixturePath, net);
            var oracle = new ExactInference(net).AllInterventional();
            var solution = MixtureSolver.Solve(oracle, marginals, chosen);
            if (json) CliExit.WriteJson(solution.ToJson());
            else WriteTable(solution);
            return Task.FromResult(CliExit.Ok);
        }, ct));
        return command;
    }

    private static void WriteTable(MixtureSolution solution)
    {
        var all = solution.Proportions;
        var active = all.Where(p => p.Pi > 0).OrderByDescending(p => p.Pi).ToList();
        AnsiConsole.MarkupLine(
            $"[bold]pi_phi[/] (no intervention) {solution.PiPhi.ToString("F6", CultureInfo.InvariantCulture)}   " +
            $"[bold]method[/] {solution.Method.ToString().ToLowerInvariant()}   " +
            $"[bold]interventions[/] {active.Count} of {all.Count} with a non-zero proportion");
        if (active.Count == 0) return;
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("intervention");
        table.AddColumn(new TableColumn("pi").RightAligned());
        foreach (var p in active)
            table.AddRow($"do({Markup.Escape(p.Node)} = {Markup.Escape(p.State)})", p.Pi.ToString("F6", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }
}
