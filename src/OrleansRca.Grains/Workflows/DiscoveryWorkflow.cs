using OrleansRca.Causal.Discovery;

namespace OrleansRca.Grains.Workflows;

/// <summary>
/// Discovery: (1) every node's screen on its node grain (pieces <c>screen:j</c>, node indices); (2) the
/// candidates assembled from all screens, then every node's first local scores and target tests on its
/// node grain (pieces <c>first:j</c>, packed); (3) the search, seeded with those scores, on the
/// orchestrator's silo: it moves one edge at a time and each move needs the last one's result, so it is
/// one sequential piece. Every step is the core's <see cref="DiscoveryProblem"/>, so the result equals
/// <c>CausalDiscovery.Discover</c>'s.
/// </summary>
public sealed class DiscoveryWorkflow(DiscoverySpec spec) : IAnalysisWorkflow
{
    private const string ScreenPrefix = "screen:";
    private const string FirstPrefix = "first:";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    public async Task ValidateAsync(WorkflowContext context, CancellationToken cancellationToken) =>
        await context.Cache.Discovery.GetProblemAsync(context.AnalysisId, spec, cancellationToken);

    public async Task<string> RunAsync(WorkflowContext context, CancellationToken ct)
    {
        var (problem, data) = await context.Cache.Discovery.GetProblemAsync(context.AnalysisId, spec, ct);
        context.Running();
        await context.SaveAsync();
        var names = problem.Statistics.Names;
        var p = problem.Nodes;
        var pieces = context.Pieces;

        IDiscoveryNodeGrain Node(int j) => context.Grains.GetGrain<IDiscoveryNodeGrain>(GrainKeys.Node(context.AnalysisId, names[j]));

        await WorkflowContext.FanOutAsync(Enumerable.Range(0, p).Where(j => !pieces.ContainsKey(ScreenPrefix + j)).ToList(), async j =>
        {
            var screen = await context.CallAsync($"screen '{names[j]}'", () => Node(j).ScreenAsync(new DiscoveryScreenWork(context.AnalysisId, j), ct), ct);
            pieces[ScreenPrefix + j] = [.. screen.Select(i => (double)i)];
            context.Progress = 0.2 * pieces.Keys.Count(k => k.StartsWith(ScreenPrefix, StringComparison.Ordinal)) / p;
            await context.SaveSoonAsync();
        }, ct);
        await context.SaveAsync();
        var candidates = problem.Candidates(Enumerable.Range(0, p).Select(j => pieces[ScreenPrefix + j].Select(x => (int)x).ToArray()).ToList());

        await WorkflowContext.FanOutAsync(Enumerable.Range(0, p).Where(j => !pieces.ContainsKey(FirstPrefix + j)).ToList(), async j =>
        {
            pieces[FirstPrefix + j] = await context.CallAsync($"first scores of '{names[j]}'",
                () => Node(j).ScoreAsync(new DiscoveryScoreWork(context.AnalysisId, j, candidates[j]), ct), ct);
            context.Progress = 0.2 + 0.3 * pieces.Keys.Count(k => k.StartsWith(FirstPrefix, StringComparison.Ordinal)) / p;
            await context.SaveSoonAsync();
        }, ct);
        await context.SaveAsync();

        var first = Enumerable.Range(0, p).Select(j => pieces[FirstPrefix + j]).ToList();
        // The search runs off the grain's scheduler, which alone may touch the analysis' state: its climbs report
        // into a box, copied to the progress here while it runs.
        var climbs = new LatestProgress();
        var searching = context.Cache.ComputeAsync(() => problem.Search(candidates, first, climbs), ct);
        while (await Task.WhenAny(searching, Task.Delay(ProgressInterval, ct)) != searching)
        {
            ct.ThrowIfCancellationRequested();
            context.Progress = 0.5 + 0.5 * climbs.Value;
        }
        var result = await searching;
        context.Cache.Metrics?.Processed(AnalysisKinds.Discovery, data.Sum(d => (long)d.Rows));
        return DiscoveryRequest.ToJson(result, data, spec.Settings.Model).ToJsonString();
    }
}

/// <summary>The last value reported, from any thread.</summary>
internal sealed class LatestProgress : IProgress<double>
{
    private double _value;

    public double Value => Volatile.Read(ref _value);

    public void Report(double value) => Volatile.Write(ref _value, value);
}
