namespace OrleansRca.Cli.Commands;

/// <summary>Options every verb shares (contract section 4).</summary>
public static class CommonOptions
{
    public static Option<string> Format() => new("--format")
    {
        Description = "Output format: table (default) or json (exactly one JSON document on stdout).",
        DefaultValueFactory = _ => "table",
    };

    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Gateway(s) of a running cluster: HOST:PORT, or several separated by commas (rca serve --gateway-port); default: an embedded single silo.",
    };

    /// <summary>Contract section 2: what an empty cell means. The value is checked with the request (one parser).</summary>
    public static Option<string?> Missing() => new("--missing")
    {
        Description = "Empty cells: error (default; names column and row), mean (the column's mean over the normal/training data), interpolate, or drop (leave out rows with a gap).",
    };

    /// <summary>Whether the command line gave <paramref name="option"/> (rather than leaving it at its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>An option that means something only beside another: giving it alone is an error, not silently ignored.</summary>
    public static void OnlyWith(ParseResult parse, Option option, bool anchorGiven, string anchor)
    {
        if (Given(parse, option) && !anchorGiven) throw new Causal.InputException($"{option.Name} applies only with {anchor}");
    }

    /// <summary>Two options that exclude each other.</summary>
    public static void NotBoth(ParseResult parse, Option first, Option second, string why)
    {
        if (Given(parse, first) && Given(parse, second)) throw new Causal.InputException($"{first.Name} and {second.Name} exclude each other: {why}");
    }

    /// <summary>
    /// Runs <paramref name="kind"/> (on an embedded silo, or the <paramref name="cluster"/> given) and prints its document:
    /// JSON, or the verb's tables. The format is checked before the request is built, so a bad one fails before any file is read.
    /// </summary>
    public static async Task<int> RunAnalysisAsync(ParseResult parse, Option<string> format, Option<string?> cluster, string kind,
        Func<JsonObject> request, Action<JsonObject> writeTables, CancellationToken token, IReadOnlyDictionary<string, string>? files = null)
    {
        var json = IsJson(parse.GetValue(format)!);
        var result = await Analyses.RunWithProgressAsync(kind, request(), parse.GetValue(cluster), token, files);
        if (json) CliExit.WriteJson(result);
        else writeTables(result);
        return CliExit.Ok;
    }

    public static bool IsJson(string format) => format switch
    {
        "json" => true,
        "table" => false,
        _ => throw new Causal.InputException($"--format must be 'table' or 'json', not '{format}'"),
    };
}

/// <summary>
/// A verb's analysis options, written into the request under their long names without the dashes: the HTTP body
/// names a verb's options so (contract section 6), and one parser then reads both.
/// </summary>
public abstract class RequestOptionSet
{
    protected abstract IReadOnlyList<Option> Options { get; }

    public void AddTo(Command command)
    {
        foreach (var o in Options) command.Options.Add(o);
    }

    /// <summary>Copies the given options into the request; absent ones keep the request's (or the defaults').</summary>
    public void WriteTo(ParseResult parse, JsonObject request)
    {
        foreach (var option in Options)
        {
            if (!CommonOptions.Given(parse, option)) continue;
            JsonNode? value = option switch
            {
                Option<string[]> many => parse.GetValue(many) is { Length: > 0 } values ? new JsonArray([.. values.Select(v => (JsonNode?)v)]) : null,
                Option<string> text => parse.GetValue(text),
                Option<double?> number => parse.GetValue(number),
                Option<int?> whole => parse.GetValue(whole),
                _ => throw new InvalidOperationException($"{option.Name}: no request form for a {option.ValueType.Name}"),
            };
            if (value is not null) request[option.Name.TrimStart('-')] = value;
        }
    }
}

/// <summary>
/// The inputs of the verbs that explain anomalies (<c>localize</c>, <c>mitigate</c>): a model, the normal rows and
/// the anomalous rows, plus <c>--format</c> and <c>--cluster</c>; and running the analysis with them.
/// </summary>
public sealed class AnomalyInputs(string modelHelp, string normalHelp, string anomaliesHelp)
{
    private readonly Option<string> _model = new("--model") { Description = modelHelp, Required = true };
    private readonly Option<string> _normal = new("--normal") { Description = normalHelp, Required = true };
    private readonly Option<string> _anomalies = new("--anomalies") { Description = anomaliesHelp, Required = true };
    private readonly Option<string> _format = CommonOptions.Format();
    private readonly Option<string?> _cluster = CommonOptions.Cluster();

    /// <summary>
    /// The verb: the inputs, then <paramref name="options"/>, then --format and --cluster; it runs <paramref name="kind"/> on
    /// the files (with the options given written into the request) and prints the document: JSON, or <paramref name="writeTables"/>.
    /// </summary>
    public Command CreateVerb(string name, string description, string kind, RequestOptionSet options, Action<IAnsiConsole, JsonObject> writeTables)
    {
        var command = new Command(name, description) { _model, _normal, _anomalies, options, _format, _cluster };
        command.SetAction((parse, ct) => CliExit.RunAsync(token => CommonOptions.RunAnalysisAsync(parse, _format, _cluster, kind, () =>
        {
            var request = new JsonObject { ["model"] = MediateCommand.ReadModel(parse.GetValue(_model)!) };
            options.WriteTo(parse, request);
            return request;
        }, result => writeTables(AnsiConsole.Console, result), token,
            new Dictionary<string, string> { ["normal"] = parse.GetValue(_normal)!, ["anomalies"] = parse.GetValue(_anomalies)! }), ct));
        return command;
    }
}

/// <summary>Lets a verb list an option set among its options: <c>new Command(...) { model, data, options, format }</c>.</summary>
public static class CommandOptionSetExtensions
{
    public static void Add(this Command command, RequestOptionSet options) => options.AddTo(command);
}
