namespace OrleansRca.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClusterMediationTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private async Task<(string Id, AnalysisStatus Status)> RunAsync(JsonObject request)
    {
        var id = GrainKeys.NewAnalysisId();
        var submitted = await fixture.SubmitAsync(id, AnalysisKinds.Mediation, request.ToJsonString());
        Assert.Equal(AnalysisStage.Queued, submitted.Stage);
        return (id, await fixture.WaitAsync(id, Timeout));
    }

    [Fact]
    public async Task Mediation_through_the_orchestrator_equals_the_core_engine()
    {
        var request = TestAnalyses.Request();
        var (_, status) = await RunAsync(request);

        Assert.True(status.Stage == AnalysisStage.Succeeded, $"{status.Stage}: {status.Error}");
        Assert.Equal(1.0, status.Progress);
        var result = JsonNode.Parse(status.ResultJson!)!;
        // Oracle: MediationEngine.Run on the same parsed request; tolerance 1e-12 relative.
        JsonAssert.Equal(TestAnalyses.CoreResult(request), result);
        // Every pair went through a pair grain's propagation, not the closed form.
        Assert.All(result["nie"]!.AsArray(), p => Assert.Equal("general", (string?)p!["method"]));
        Assert.Equal(9, result["nie"]!.AsArray().Count);
    }

    [Fact]
    public async Task Pair_grains_run_on_more_than_one_silo()
    {
        var (id, status) = await RunAsync(TestAnalyses.Request(rows: 500, seed: 2));
        Assert.Equal(AnalysisStage.Succeeded, status.Stage);

        var silos = new HashSet<string>();
        for (var i = 0; i < TestAnalyses.Treatments.Length; i++)
            for (var j = 0; j < TestAnalyses.Mediators.Length; j++)
                silos.Add(await fixture.Cluster.Client.GetGrain<IMediationPairGrain>(GrainKeys.Pair(id, i, j)).GetSiloAsync());
        Assert.True(silos.Count > 1, $"all 9 pair grains ran on {string.Join(", ", silos)}");
        Assert.All(silos, s => Assert.Contains(fixture.Cluster.Silos, h => h.SiloAddress.ToString() == s));
    }

    [Fact]
    public async Task Bad_input_at_submit_fails_without_starting()
    {
        var request = TestAnalyses.Request(rows: 20);
        request["data"] = ((string)request["data"]!).Replace("M3", "M_three", StringComparison.Ordinal);
        var id = GrainKeys.NewAnalysisId();

        var status = await fixture.SubmitAsync(id, AnalysisKinds.Mediation, request.ToJsonString());

        Assert.Equal(AnalysisStage.Failed, status.Stage);
        Assert.Equal(AnalysisError.BadInput, status.Error?.Kind);
        Assert.Contains("'M3'", status.Error!.Message, StringComparison.Ordinal);
        // Nothing was stored: the id is still unknown.
        Assert.Equal(AnalysisStage.Unknown, (await fixture.Orchestrator(id).GetStatusAsync()).Stage);
    }

    [Fact]
    public async Task Bad_input_found_by_a_node_grain_fails_the_analysis_as_bad_input()
    {
        // T2 = 2 T1 exactly: M2's parents are collinear, which only fitting (in M2's node grain) finds.
        var (_, status) = await RunAsync(TestAnalyses.Request(rows: 200, collinearTreatments: true));

        Assert.Equal(AnalysisStage.Failed, status.Stage);
        Assert.Equal(AnalysisError.BadInput, status.Error?.Kind);
        Assert.Contains("collinear", status.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("'M2'", status.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsupported_kind_and_malformed_json_are_bad_input()
    {
        var unsupported = await fixture.SubmitAsync(GrainKeys.NewAnalysisId(), "localization", "{}");
        Assert.Equal(AnalysisError.BadInput, unsupported.Error?.Kind);
        var malformed = await fixture.SubmitAsync(GrainKeys.NewAnalysisId(), AnalysisKinds.Mediation, "{\"model\": ");
        Assert.Equal(AnalysisError.BadInput, malformed.Error?.Kind);
        Assert.Contains("not valid JSON", malformed.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bootstrap_intervals_equal_the_core_engine()
    {
        var request = TestAnalyses.Request(rows: 300, seed: 3, bootstrap: 60);
        var (_, status) = await RunAsync(request);

        Assert.True(status.Stage == AnalysisStage.Succeeded, $"{status.Stage}: {status.Error}");
        var result = JsonNode.Parse(status.ResultJson!)!;
        // Oracle: MediationEngine.Run with the same seed (same process, so the same resamples).
        JsonAssert.Equal(TestAnalyses.CoreResult(request), result);
        Assert.Equal(60, (int)result["bootstrap"]!);
        Assert.NotNull(result["nie"]![0]!["mean_ci"]);
    }

    [Fact]
    public async Task Runner_over_the_cluster_returns_the_core_result_and_throws_input_exception_for_bad_input()
    {
        await using var runner = RcaHost.CreateRunner(fixture.Cluster.Client);
        var request = TestAnalyses.Request(rows: 400, seed: 4);
        var reports = new List<double>();

        var result = await runner.RunAsync(AnalysisKinds.Mediation, request, new SyncProgress(reports.Add), CancellationToken.None);

        JsonAssert.Equal(TestAnalyses.CoreResult(request), result);
        Assert.Equal(1.0, reports[^1]);

        var bad = TestAnalyses.Request(rows: 20);
        bad["treatment"] = "nope";
        var e = await Assert.ThrowsAsync<InputException>(() => runner.RunAsync(AnalysisKinds.Mediation, bad, null, CancellationToken.None));
        Assert.Contains("'nope'", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InputException>(() => runner.RunAsync(AnalysisKinds.Mediation,
            TestAnalyses.Request(rows: 200, collinearTreatments: true), null, CancellationToken.None));
    }
}

/// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool, so its last report may come late).</summary>
public sealed class SyncProgress(Action<double> report) : IProgress<double>
{
    public void Report(double value)
    {
        lock (this) report(value);
    }
}
