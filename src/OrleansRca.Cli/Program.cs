using OrleansRca.Cli.Commands;

namespace OrleansRca.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("OrleansRca: causal root-cause analysis on an Orleans cluster.");
        // Quiet by default (results on stdout, errors on stderr); --verbose adds the run's phases and their times.
        var verbose = new Option<bool>("--verbose") { Description = "Also print each phase of a run (read, validate, silo start, analysis) and its time on standard error.", Recursive = true };
        root.Options.Add(verbose);
        foreach (var command in Verbs.All())
            root.Subcommands.Add(command);

        if (args.Length == 0)
        {
            // Bare `rca`: the usage, on standard error (standard output is for results), and the bad-input code.
            await root.Parse("--help").InvokeAsync(new InvocationConfiguration { Output = Console.Error });
            return CliExit.BadInput;
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // Malformed command lines are bad input: exit code 2 with the parser's message and, for a typo, the likely word.
            foreach (var error in parsed.Errors)
                Console.Error.WriteLine($"error: {error.Message}");
            if (Suggestions.For(root, parsed) is { } hint) Console.Error.WriteLine(hint);
            return CliExit.BadInput;
        }
        PhaseLog.Verbose = parsed.GetValue(verbose);
        // Every verb but `serve` is one short process: formulas use the scalar functions that need no tier-up.
        if (parsed.CommandResult.Command.Name != ServeCommand.Name)
            AppContext.SetSwitch(OrleansRca.Causal.Models.Formula.ScalarTranscendentalsSwitch, true);
        return await parsed.InvokeAsync();
    }
}

/// <summary>"Did you mean" for a mistyped verb or option: the closest name within two edits.</summary>
public static class Suggestions
{
    public static string? For(RootCommand root, ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        foreach (var token in parsed.UnmatchedTokens)
        {
            var candidates = token.StartsWith('-')
                ? command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))
                : command == root ? root.Subcommands.Select(c => c.Name) : [];
            var best = candidates.Select(c => (Name: c, Distance: Distance(token, c))).Where(c => c.Distance <= 2).OrderBy(c => c.Distance).FirstOrDefault();
            if (best.Name is not null) return $"did you mean '{best.Name}'? (rca {(command == root ? "" : command.Name + " ")}--help lists them all)";
        }
        return null;
    }

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
