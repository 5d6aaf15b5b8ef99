using OrleansRca.Causal.Synthetic;

namespace OrleansRca.Cli.Commands;

/// <summary>
/// <c>analyze DIR</c>: runs a prepared case folder (model, data or a seeded generator, options in
/// <c>analysis.json</c>), prints the tables and writes a report folder with charts.
/// </summary>
public static class AnalyzeCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("case") { Description = "A case folder holding analysis.json (e.g. samples/late-deliveries)." };
        var output = new Option<string?>("--out") { Description = "Report folder (default: reports/<case name>)." };
        var rows = new Option<int?>("--rows") { Description = "Override the number of generated rows." };
        var options = new MediationOptionSet();
        var format = CommonOptions.Format();
        var cluster = CommonOptions.Cluster();
        var command = new Command("analyze", "Run a case folder end to end and write a report (tables, NIE bar chart, shaded DAG).") { folder, output, rows, options, format, cluster };
        command.SetAction((parse, ct) => CliExit.RunAsync(async token =>
        {
            var json = CommonOptions.IsJson(parse.GetValue(format)!);
            var dir = parse.GetValue(folder)!;
            var spec = RequestJson.ParseObject(MediateCommand.ReadText(Path.Combine(dir, "analysis.json"), "case file"), "analysis.json");
            var kind = RequestJson.OptionalString(spec, "kind") ?? "mediation";
            if (kind != "mediation") throw new InputException($"analysis.json: kind '{kind}' is not supported by analyze yet (mediation is)");

            var request = new JsonObject { ["model"] = MediateCommand.ReadModel(Path.Combine(dir, RequestJson.RequiredString(spec, "model"))) };
            var dataFiles = new Dictionary<string, string>();
            if (RequestJson.OptionalString(spec, "data") is { } dataFile) dataFiles["data"] = Path.Combine(dir, dataFile);
            else request["data"] = Generate(dir, spec, parse.GetValue(rows));
            foreach (var field in new[] { "treatment", "mediator", "outcome", "treated", "untreated", "engine", "bootstrap", "seed", "confidence" })
                if (spec[field] is { } value) request[field] = value.DeepClone();
            options.WriteTo(parse, request);

            var result = await Analyses.RunWithProgressAsync(AnalysisKinds.Mediation, request, parse.GetValue(cluster), token, dataFiles);
            var name = Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar));
            var reportDir = parse.GetValue(output) ?? Path.Combine("reports", name);
            var files = ReportWriter.Write(reportDir, request["model"]!.AsObject(), result);
            if (json) CliExit.WriteJson(result);
            else
            {
                MediationTables.Write(AnsiConsole.Console, result);
                AnsiConsole.MarkupLine($"[bold]Report[/] {Markup.Escape(reportDir)}: {Markup.Escape(string.Join(", ", files))}");
            }
            return CliExit.Ok;
        }, ct));
        return command;
    }

    private static string Generate(string dir, JsonObject spec, int? rowsOverride)
    {
        if (spec["generate"] is not JsonObject generate)
            throw new InputException("analysis.json needs 'data' (a CSV file) or 'generate' ({truth, rows, seed})");
        var truth = MediateCommand.ReadModel(Path.Combine(dir, RequestJson.RequiredString(generate, "truth")));
        var rows = rowsOverride ?? RequestJson.OptionalInt(generate, "rows") ?? 10_000;
        var seed = RequestJson.OptionalInt(generate, "seed") ?? 0;
        return SyntheticData.ToCsv(GenerateCommand.Generate(truth, rows, seed));
    }
}
