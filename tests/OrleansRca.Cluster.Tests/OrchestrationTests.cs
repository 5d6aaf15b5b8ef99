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

    [Fact]
    public async Task A_short_analysis_registers_no_resume_reminder_only_its_expiry()
    {
        var id = GrainKeys.NewAnalysisId();
        var grain = GrainId.Create("analysisorchestrator", id);
        var start = DateTimeOffset.UtcNow;
        await fixture.SubmitAsync(id, AnalysisKinds.Mediation, TestAnalyses.Request(rows: 100, seed: 37).ToJsonString());
        var done = await fixture.WaitAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal(AnalysisStage.Succeeded, done.Stage);
        Assert.True(DateTimeOffset.UtcNow - start < TestLifetimes.LongResumeGrace, "the analysis outlived the grace; this test needs it to finish first");

        // The expiry is registered as the analysis ends (the status may be read a moment before).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (SharedReminderTable.Find(grain, "analysis") is null && DateTime.UtcNow < deadline) await Task.Delay(20);

        // Its only reminder row ever is the expiry's (period: the retention), none for resuming (the resume check's 2 s).
        var row = Assert.Single(SharedReminderTable.Upserts(grain));
        Assert.Equal(TestLifetimes.Retention, row.Period);
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

    /// <summary>The analysis' reminder row if it is the resume one (its period: the resume check's).</summary>
    private static ReminderEntry? ResumeReminder(string id) =>
        SharedReminderTable.Find(GrainId.Create("analysisorchestrator", id), "analysis") is { } row && row.Period == TestLifetimes.ResumeCheckPeriod ? row : null;

    [Fact]
    public async Task An_analysis_that_outlives_the_grace_registers_its_resume_reminder_then_its_expiry()
    {
        var id = GrainKeys.NewAnalysisId();
        await fixture.SubmitAsync(id, AnalysisKinds.Mediation, TestAnalyses.Request(rows: 2000, seed: 38, bootstrap: 2000).ToJsonString());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (ResumeReminder(id) is null && Stored(id) is not { Stage: AnalysisStage.Succeeded or AnalysisStage.Failed } && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.True(ResumeReminder(id) is not null, $"no resume reminder after the {TestLifetimes.ShortResumeGrace} grace; stored: {Stored(id)?.Stage}");

        await fixture.Orchestrator(id).CancelAsync();

        // Ended (cancelled): the same reminder now waits for the expiry.
        var grain = GrainId.Create("analysisorchestrator", id);
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (SharedReminderTable.Find(grain, "analysis")?.Period != TestLifetimes.Retention && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(TestLifetimes.Retention, SharedReminderTable.Find(grain, "analysis")?.Period);
    }

    [Fact]
    public async Task A_silo_killed_mid_analysis_with_no_client_polling_still_ends_succeeded()
    {
        await fixture.EnsureThreeSilosAsync();
        var primary = fixture.PrimarySilo;
        var (id, home) = await fixture.PlaceOrchestratorAsync(s => s != primary);
        // Long enough (about 15 s here) that it is still running once its resume reminder is in, even when a silo
        // added by an earlier test makes the reminder late: with 300 bootstrap draws it once finished first.
        var request = TestAnalyses.Request(rows: 1500, seed: 35, bootstrap: 1500);
        var submitted = Stopwatch.StartNew();
        await fixture.SubmitAsync(id, AnalysisKinds.Mediation, request.ToJsonString());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        // Killed once it is under way and has outlived the grace (so it has its resume reminder).
        while ((Stored(id) is not { Stage: AnalysisStage.Running, Progress: > 0.25 } || ResumeReminder(id) is null)
               && Stored(id) is not { Stage: AnalysisStage.Succeeded or AnalysisStage.Failed } && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        output.WriteLine($"killing {submitted.Elapsed.TotalSeconds:F1} s after the submission, at progress {Stored(id)?.Progress:F2}");
        Assert.True(Stored(id) is { Stage: AnalysisStage.Running },
            $"the analysis did not get going, or finished first: {Stored(id)?.Stage} after {submitted.Elapsed.TotalSeconds:F1} s, resume reminder {(ResumeReminder(id) is null ? "absent" : "present")}");
        Assert.True(ResumeReminder(id) is not null, "the analysis has no resume reminder");

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

/// <summary>Expiry on a silo without reminders (as <c>serve</c> on localhost): the silo's sweep, not a reminder or a grain timer.</summary>
[Collection(NoRemindersCollection.Name)]
public sealed class NoRemindersExpiryTests(NoRemindersClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_finished_analysis_expires_even_after_its_idle_grain_was_collected()
    {
        var id = GrainKeys.NewAnalysisId();
        var grain = GrainId.Create("analysisorchestrator", id);
        await fixture.SubmitAsync(id, AnalysisKinds.Mediation, TestAnalyses.Request(rows: 100, seed: 39).ToJsonString());
        Assert.Equal(AnalysisStage.Succeeded, (await fixture.WaitAsync(id, TimeSpan.FromSeconds(60))).Stage);

        // Collected: no timer of its activation can expire it any more, and nothing calls it from here on
        // (a call would reactivate it); only its stored record is watched, as a database's would be.
        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        await management.DeactivateGrain(grain);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await management.GetActiveGrains(grain.Type)).Contains(grain) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.DoesNotContain(grain, await management.GetActiveGrains(grain.Type));
        Assert.NotNull(SharedGrainStorage.Find("analysis", grain));

        var clock = Stopwatch.StartNew();
        deadline = DateTime.UtcNow + TestLifetimes.Retention + TimeSpan.FromSeconds(30);
        while (SharedGrainStorage.Find("analysis", grain) is not null && DateTime.UtcNow < deadline) await Task.Delay(50);
        output.WriteLine($"record gone {clock.Elapsed.TotalSeconds:F1} s after the collection");

        Assert.Null(SharedGrainStorage.Find("analysis", grain));
        Assert.Equal(AnalysisStage.Unknown, (await fixture.Orchestrator(id).GetStatusAsync()).Stage);
    }
}
