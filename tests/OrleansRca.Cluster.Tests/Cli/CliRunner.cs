namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>Runs the CLI's Main in-process with standard output and error captured.</summary>
public static class CliRunner
{
    private static readonly SemaphoreSlim ConsoleLock = new(1, 1);

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public JsonObject Json => JsonNode.Parse(Stdout)!.AsObject();
    }

    public static async Task<Outcome> RunAsync(params string[] args)
    {
        await ConsoleLock.WaitAsync();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(new StringBuilder()), new StringWriter(new StringBuilder()));
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            var code = await OrleansRca.Cli.Program.Main(args);
            return new Outcome(code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            ConsoleLock.Release();
        }
    }
}

[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleCollection;
