using System.CommandLine;
using OrleansRca.Cli.Commands;

namespace OrleansRca.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("OrleansRca: causal root-cause analysis on an Orleans cluster.");
        foreach (var command in Verbs.All())
            root.Subcommands.Add(command);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // Malformed command lines are bad input: exit code 2 with the parser's message.
            foreach (var error in parsed.Errors)
                Console.Error.WriteLine($"error: {error.Message}");
            return CliExit.BadInput;
        }
        return await parsed.InvokeAsync();
    }
}
