using System.Text.RegularExpressions;
using OrleansRca.Cli.Commands;
using OrleansRca.Cli.Output;
using Spectre.Console;

namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>Tables at 80 columns (a pipe, or a narrow terminal): no line is longer, and every number stays whole.</summary>
public sealed partial class TableWidthTests
{
    private static (IAnsiConsole Console, StringWriter Text) Console80()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 80;
        return (console, writer);
    }

    [GeneratedRegex(@"-?\d[\d.]*(?:e[+-]?\d+)?", RegexOptions.IgnoreCase)]
    private static partial Regex NumberToken();

    /// <summary>Every expected number appears as a whole token (not split by a line break), and no line is wider than 80.</summary>
    private static void AssertWhole(string output, IEnumerable<string> numbers)
    {
        var lines = output.Split('\n');
        Assert.All(lines, line => Assert.True(line.TrimEnd().Length <= 80, $"line wider than 80 columns: '{line}'"));
        var tokens = lines.SelectMany(l => NumberToken().Matches(l).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        foreach (var number in numbers) Assert.True(tokens.Contains(number), $"{number} is not whole in:\n{output}");
    }

    [Fact]
    public void A_wide_mediation_result_keeps_every_number_whole_at_80_columns()
    {
        // The microservice case's shape (4 treatments x 6 mediators) with long numbers and intervals.
        var random = new Random(3);
        double Value() => Math.Round((random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-4, 3)), 9);
        string[] treatments = ["Product DB", "Customer DB", "Order DB", "Shipping Cost Service"];
        string[] mediators = ["Caching Service", "Product Service", "Auth Service", "Order Service", "API", "www"];
        var nie = new JsonArray();
        foreach (var t in treatments)
            foreach (var m in mediators)
                nie.Add(new JsonObject { ["treatment"] = t, ["mediator"] = m, ["mean"] = Value(), ["total"] = Value(), ["mean_ci"] = new JsonArray(Value(), Value()) });
        var effects = new JsonArray();
        foreach (var t in treatments)
            effects.Add(new JsonObject
            {
                ["treatment"] = t, ["te_mean"] = Value(), ["te_total"] = Value(), ["nde_mean"] = Value(), ["nde_total"] = Value(),
                ["te_mean_ci"] = new JsonArray(Value(), Value()), ["nde_mean_ci"] = new JsonArray(Value(), Value()),
            });
        var result = new JsonObject { ["outcome"] = "Website", ["rows"] = 10000, ["treated"] = "+50%", ["untreated"] = "observed", ["nie"] = nie, ["effects"] = effects, ["bootstrap"] = 50 };
        var (console, text) = Console80();

        MediationTables.Write(console, result);

        var numbers = new List<string>();
        void Collect(JsonNode? node)
        {
            if (node is JsonValue v && v.TryGetValue<double>(out var d)) numbers.Add(MediationTables.Format(v));
            else if (node is JsonObject o) foreach (var (key, child) in o) { if (key != "rows" && key != "bootstrap") Collect(child); }
            else if (node is JsonArray a) foreach (var child in a) Collect(child);
        }
        Collect(nie);
        Collect(effects);
        Assert.Contains(numbers, n => n.Length >= 8);
        AssertWhole(text.ToString(), numbers);
        foreach (var name in treatments.Concat(mediators)) Assert.Contains(name, text.ToString());
    }

    [Fact]
    public void The_dimm_table_with_the_em_columns_keeps_every_number_whole_at_80_columns()
    {
        var rows = DimmEvaluation.Evaluate(DimmEvaluation.InstanceFiles(Path.Combine(AppContext.BaseDirectory, "data", "dimm")),
            Path.Combine(AppContext.BaseDirectory, "data", "bif"), repetitions: 1);
        // EM columns with made-up values: the table's width is what is under test.
        var em = rows.ToDictionary(r => r.Instance, r => (Mae: r.Ours.Mae * 1.2345, Ms: 12345.0));
        var (console, text) = Console80();

        DimmEvalCommand.WriteTable(console, rows, em);

        static string F(double x) => x.ToString("0.0e+0", CultureInfo.InvariantCulture);
        var numbers = rows.SelectMany(r => new[] { F(r.Ours.Mae), F(r.Ours.MaxError), F(em[r.Instance].Mae) }
            .Concat(r.Reference is { } reference ? [F(reference.Mae)] : [])).ToList();
        AssertWhole(text.ToString(), numbers);
    }

    /// <summary>
    /// A mitigation row's reason is a sentence longer than the console: in the long format it wraps between words under
    /// its own column (every continuation indented like the status), so no line starts back at the margin.
    /// </summary>
    [Fact]
    public void A_mitigation_reason_wraps_between_words_under_its_column_at_80_columns()
    {
        const string reason = "acting on L, D, I, S cannot bring the score to alpha x threshold (0.464017); the actions give the lowest reachable score, 2.87305, which is normal";
        var row = new JsonObject
        {
            ["row"] = 1, ["status"] = "deepest", ["root_causes"] = new JsonArray("E", "L", "D", "S"),
            ["actions"] = new JsonObject { ["L"] = -3.7871, ["D"] = -8.3129, ["I"] = 2.631, ["S"] = 11.4817 },
            ["score_before"] = 7.024, ["score_after"] = 2.87305, ["flipped"] = true, ["cost"] = 2.663, ["reason"] = reason,
        };
        var result = new JsonObject { ["detector"] = "mixture", ["threshold"] = 4.64, ["alpha"] = 0.1, ["act_on"] = "controllable", ["rows"] = new JsonArray(row) };
        var (console, text) = Console80();

        MitigateCommand.WriteTable(console, result);

        var output = text.ToString();
        AssertWhole(output, ["0.464017", "2.87305", "11.4817"]);
        var lines = output.Split('\n');
        var first = Array.FindIndex(lines, l => l.Contains("deepest", StringComparison.Ordinal));
        var indent = lines[first].IndexOf("deepest", StringComparison.Ordinal);
        var reasonLines = lines.Skip(first + 1).TakeWhile(l => !l.TrimStart().StartsWith("root causes", StringComparison.Ordinal)).ToList();
        Assert.True(reasonLines.Count >= 2, output);
        Assert.All(reasonLines, l => Assert.True(l.Length - l.TrimStart().Length == indent, $"not under its column: '{l}'"));
        Assert.Equal(reason, string.Join(" ", reasonLines.Select(l => l.Trim())));
    }

    [Fact]
    public void A_table_that_fits_is_written_as_a_table()
    {
        var table = new Table().AddColumn("a").AddColumn("b");
        table.AddRow("0.00187232", "1.5");
        var (console, text) = Console80();

        FittedTable.Write(console, table);

        Assert.Contains("│ 0.00187232 │ 1.5 │", text.ToString());
    }
}
