namespace OrleansRca.Cli.Commands;

/// <summary>Every verb of the contract's section 4, one file each.</summary>
public static class Verbs
{
    public static IEnumerable<Command> All()
    {
        yield return MediateCommand.Create();
        yield return AnalyzeCommand.Create();
        yield return GenerateCommand.Create();
        yield return ServeCommand.Create();
        yield return MarginalsCommand.Create();
        yield return DisentangleCommand.Create();
        yield return DimmEvalCommand.Create();
        yield return DiscoverCommand.Create();
        yield return LocalizeCommand.Create();
        yield return LocalizeEvalCommand.Create();
        yield return MitigateCommand.Create();
    }
}
