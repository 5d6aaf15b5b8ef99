namespace OrleansRca.Cluster.Tests;

/// <summary>The CLI's default: an embedded single silo started in this process.</summary>
public sealed class EmbeddedRunnerTests
{
    [Fact]
    public async Task Embedded_runner_returns_the_core_result_and_reports_bad_input()
    {
        await using var runner = await RcaHost.StartRunnerAsync(null, CancellationToken.None);
        var request = TestAnalyses.Request(rows: 300, seed: 21);

        var result = await runner.RunAsync(AnalysisKinds.Mediation, request, null, CancellationToken.None);

        JsonAssert.Equal(TestAnalyses.CoreResult(request), result);
        var bad = TestAnalyses.Request(rows: 10);
        bad.Remove("data");
        var e = await Assert.ThrowsAsync<InputException>(() => runner.RunAsync(AnalysisKinds.Mediation, bad, null, CancellationToken.None));
        Assert.Contains("'data'", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InputException>(() => runner.RunAsync("discovery", request, null, CancellationToken.None));
    }
}
