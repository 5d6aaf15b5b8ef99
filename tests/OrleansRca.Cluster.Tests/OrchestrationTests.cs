using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansRca.Grains.Workflows;
using Xunit.Abstractions;

namespace OrleansRca.Cluster.Tests;

/// <summary>The orchestrator's life cycle: duplicate submits, cancellation and expiry.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OrchestrationTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_repeated_submit_answers_at_once_while_the_analysis_runs()
    {
        var id = GrainKeys.NewAnalysisId();
        var request = TestAnalyses.Request(rows: 1500, seed: 31, bootstrap: 400).ToJsonString();
        var first = await fixture.SubmitAsync(id, AnalysisKinds.Mediation, request);
        Assert.Equal(AnalysisStage.Queued, first.Stage);
        await WaitForAsync(id, s => s.Stage == AnalysisStage.Running);

        var clock = Stopwatch.StartNew();
        var again = await fixture.SubmitAsync(id, AnalysisKinds.Mediation, request);
        clock.Stop();

        output.WriteLine($"repeated submit answered in {clock.Elapsed.TotalMilliseconds:F1} ms at progress {again.Progress:F2}");
        Assert.Equal(AnalysisStage.Running, again.Stage);
        // It used to queue behind the running work until the 30 s response timeout.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        await fixture.Orchestrator(id).CancelAsync();
    }

    [Fact]
    public async Task Cancel_stops_the_analysis_and_frees_the_workers()
    {
        var id = GrainKeys.NewAnalysisId();
        await fixture.SubmitAsync(id, AnalysisKinds.Mediation, TestAnalyses.Request(rows: 2000, seed: 32, bootstrap: 2000).ToJsonString());
        await WaitForAsync(id, s => s.Stage == AnalysisStage.Running && s.Progress > 0.2);

        var cancelled = await fixture.Orchestrator(id).CancelAsync();

        Assert.Equal(AnalysisStage.Failed, cancelled.Stage);
        Assert.Equal(AnalysisError.Cancelled, cancelled.Error?.Kind);
        // Stays cancelled: the running work does not overwrite it when its pieces come back.
        await Task.Delay(500);
        Assert.Equal(AnalysisError.Cancelled, (await fixture.Orchestrator(id).GetStatusAsync()).Error?.Kind);
        // The silos' compute slots go to new work: a small analysis finishes while 2,000 resamples would still run.
        var small = GrainKeys.NewAnalysisId();
        var clock = Stopwatch.StartNew();
        await fixture.SubmitAsync(small, AnalysisKinds.Mediation, TestAnalyses.Request(rows: 200, seed: 33).ToJsonString());
        var done = await fixture.WaitAsync(small, TimeSpan.FromSeconds(60));
        output.WriteLine($"a small analysis after the cancel took {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(AnalysisStage.Succeeded, done.Stage);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_finished_analysis_expires_after_the_retention()
    {
        var id = GrainKeys.NewAnalysisId();
        await fixture.SubmitAsync(id, AnalysisKinds.Mediation, TestAnalyses.Request(rows: 100, seed: 34).ToJsonString());
        var done = await fixture.WaitAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal(AnalysisStage.Succeeded, done.Stage);

        var gone = await WaitForAsync(id, s => s.Stage == AnalysisStage.Unknown, TestLifetimes.Retention + TimeSpan.FromSeconds(30));

        Assert.Null(gone.ResultJson);
    }

    private async Task<AnalysisStatus> WaitForAsync(string id, Func<AnalysisStatus, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        AnalysisStatus status;
        do
        {
            status = await fixture.Orchestrator(id).GetStatusAsync();
            if (condition(status)) return status;
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"analysis {id}: condition not met; last status {status}");
    }
}

/// <summary>Resuming without a poll, and what the orchestrator persists.</summary>
[Collection(FailoverCollection.Name)]
public sealed class ResumeTests(FailoverClusterFixture fixture, ITestOutputHelper output)
{
    private static AnalysisState? Stored(string id) =>
        SharedGrainStorage.Find("analysis", GrainId.Create("analysisorchestrator", id)) as AnalysisState;

    [Fact]
    public async Task A_silo_killed_mid_analysis_with_no_client_polling_still_ends_succeeded()
    {
        await fixture.EnsureThreeSilosAsync();
        var primary = fixture.PrimarySilo;
        var (id, home) = await fixture.PlaceOrchestratorAsync(s => s != primary);
        var request = TestAnalyses.Request(rows: 1500, seed: 35, bootstrap: 300);
        await fixture.SubmitAsync(id, AnalysisKinds.Mediation, request.ToJsonString());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Stored(id) is not { Stage: AnalysisStage.Running, Progress: > 0.25 } && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(Stored(id) is { Stage: AnalysisStage.Running }, "the analysis did not get going");

        var clock = Stopwatch.StartNew();
        await fixture.Cluster.KillSiloAsync(fixture.Silo(home));
        // Nobody calls the orchestrator from here on: only storage is read, as a database would be.
        deadline = DateTime.UtcNow.AddSeconds(120);
        while (Stored(id) is not { Stage: AnalysisStage.Succeeded or AnalysisStage.Failed } && DateTime.UtcNow < deadline) await Task.Delay(50);
        output.WriteLine($"finished {clock.Elapsed.TotalSeconds:F1} s after the kill, resumed by the reminder");

        var final = Stored(id);
        Assert.True(final?.Stage == AnalysisStage.Succeeded, $"{final?.Stage}: {final?.Error}");
        JsonAssert.Equal(TestAnalyses.CoreResult(request), JsonNode.Parse(final!.ResultJson!));
    }

    [Fact]
    public async Task The_persisted_request_of_an_analysis_over_a_10_MB_dataset_stays_under_4_KB()
    {
        var request = TestAnalyses.Request(rows: 120_000, seed: 36);
        Assert.True(((string)request["data"]!).Length > 10_000_000, "the data must be over 10 MB");
        var id = GrainKeys.NewAnalysisId();
        await fixture.SubmitAsync(id, AnalysisKinds.Mediation, request.ToJsonString());
        var serializer = fixture.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        var largest = 0;
        // Measured while it runs (pieces included) and at the end, in the serializer's own bytes.
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline;)
        {
            if (Stored(id) is { } state)
            {
                largest = Math.Max(largest, serializer.SerializeToArray(state.Spec).Length);
                if (state.Stage is AnalysisStage.Succeeded or AnalysisStage.Failed) break;
            }
            await Task.Delay(20);
        }
        output.WriteLine($"largest persisted request: {largest} bytes");
        Assert.InRange(largest, 1, 4096);
        Assert.Equal(AnalysisStage.Succeeded, Stored(id)!.Stage);
    }
}
