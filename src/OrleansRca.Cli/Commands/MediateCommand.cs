namespace OrleansRca.Cli.Commands;

/// <summary><c>mediate</c>: NIE of every treatment-mediator pair, NDE and TE per treatment (contract sections 4-5).</summary>
public static class MediateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Causal model file (JSON, contract section 1).", Required = true };
        var data = new Option<string>("--data") { Description = "Data with a column per model node: CSV, or Parquet / Arrow IPC by extension.", Required = true };
        var options = new MediationOptionSet();
        var format = CommonOptions.Format();
        var cluster = CommonOptions.Cluster();
        var command = new Command("mediate", "Generalized mediation: the natural indirect effect of every treatment-mediator pair.") { model, data, options, format, cluster };
        command.SetAction((parse, ct) => CliExit.RunAsync(token => CommonOptions.RunAnalysisAsync(parse, format, cluster, AnalysisKinds.Mediation, () =>
        {
            var request = new JsonObject { ["model"] = ReadModel(parse.GetValue(model)!) };
            options.WriteTo(parse, request);
            return request;
        }, result => MediationTables.Write(AnsiConsole.Console, result), token, new Dictionary<string, string> { ["data"] = parse.GetValue(data)! }), ct));
        return command;
    }

    public static JsonObject ReadModel(string path) =>
        RequestJson.ParseObject(ReadText(path, "model file"), $"model file '{path}'");

    public static string ReadText(string path, string what) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new InputException($"{what} '{path}' does not exist");
}

/// <summary>The mediation options shared by <c>mediate</c> and <c>analyze</c>, by their contract names.</summary>
public sealed class MediationOptionSet : RequestOptionSet
{
    private readonly Option<string[]> _treatment = new("--treatment") { Description = "Treatment node (repeatable); default: nodes with role treatment.", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string[]> _mediator = new("--mediator") { Description = "Mediator node (repeatable); default: nodes with role mediator.", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string?> _outcome = new("--outcome") { Description = "Outcome node; default: the node with role outcome." };
    private readonly Option<string?> _treated = new("--treated") { Description = "Treated value: +50% (default), -20%, +2.5, =1 or observed." };
    private readonly Option<string?> _untreated = new("--untreated") { Description = "Untreated value: observed (default), or a spec like --treated." };
    private readonly Option<string?> _engine = new("--engine") { Description = "auto (closed form where mechanisms are linear; default), general or linear." };
    private readonly Option<int?> _bootstrap = new("--bootstrap") { Description = "Bootstrap resamples for percentile intervals (rows resampled, fitted mechanisms refitted)." };
    private readonly Option<int?> _seed = new("--seed") { Description = "Seed of the bootstrap resampling (default 0)." };
    private readonly Option<double?> _confidence = new("--confidence") { Description = "Interval coverage (default 0.95: the 2.5% and 97.5% percentiles)." };
    private readonly Option<string?> _missing = CommonOptions.Missing();

    protected override IReadOnlyList<Option> Options => [_treatment, _mediator, _outcome, _treated, _untreated, _engine, _bootstrap, _seed, _confidence, _missing];
}
