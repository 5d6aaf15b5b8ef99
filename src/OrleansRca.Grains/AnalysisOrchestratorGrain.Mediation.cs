using Orleans.Runtime;
using OrleansRca.Abstractions;
using OrleansRca.Causal;
using OrleansRca.Causal.Mediation;
using OrleansRca.Causal.Models;
using OrleansRca.Causal.Requests;

namespace OrleansRca.Grains;

// The mediation workflow: fit (node grains) -> point pieces (treatment and pair grains) -> bootstrap
// chunks (bootstrap grains). It mirrors MediationEngine.Run's choices exactly (closed form where it
// applies, propagation elsewhere) so the cluster's result equals the core's.
public sealed partial class AnalysisOrchestratorGrain
{
    private async Task<string> RunMediationAsync(MediationRequest parsed, CancellationToken ct)
    {
        var options = parsed.Options;
        var pointShare = options.Bootstrap > 0 ? 0.2 : 1.0;
        var plan = MediationPlan.Create(parsed.Model, options);
        var fitted = await FitAsync(parsed.Model, pointShare, ct);
        var point = await PointAsync(parsed, fitted, plan, pointShare, ct);
        if (options.Bootstrap <= 0) return point.ToJson().ToJsonString();
        var withIntervals = await BootstrapAsync(point, options, ct);
        return withIntervals.ToJson().ToJsonString();
    }

    /// <summary>Fits every node without a mechanism in its node grain; the fitted model is persisted as a model file.</summary>
    private async Task<CausalModel> FitAsync(CausalModel model, double share, CancellationToken ct)
    {
        if (progress.State.FittedModelJson is null)
        {
            var names = model.Graph.Names;
            var mechanisms = model.Mechanisms.ToArray();
            // Least squares reads only observed columns, so every node is independent of the others'
            // fits: all topological levels go out at once.
            await FanOutAsync(model.NodesToFit().ToList(), async v =>
            {
                var fit = await CallAsync($"fit '{names[v]}'",
                    () => GrainFactory.GetGrain<ICausalNodeGrain>(GrainKeys.Node(Id, names[v])).FitAsync(new NodeFitWork(Id, names[v])), ct);
                mechanisms[v] = new LinearMechanism(fit.Intercept, fit.Weights);
            }, ct);
            progress.State.FittedModelJson = ModelFile.ToJson(model.WithMechanisms(mechanisms)).ToJsonString();
            progress.State.Progress = 0.1 * share;
            await SaveAsync();
        }
        // The orchestrator uses exactly what the pieces will parse.
        return ModelFile.FromJson(RequestJson.ParseObject(progress.State.FittedModelJson, "fitted model"), "fitted model");
    }

    private async Task<MediationResult> PointAsync(MediationRequest parsed, CausalModel fitted, MediationPlan plan, double share, CancellationToken ct)
    {
        var options = parsed.Options;
        var fittedJson = progress.State.FittedModelJson!;
        // The core's schedule decides what is closed-form, exactly as MediationEngine.Run does.
        var schedule = MediationSchedule.Create(fitted, plan, options.Engine);
        var nT = plan.Treatments.Length;
        var nM = plan.Mediators.Length;
        var work = new List<Func<Task>>();
        var sums = progress.State.Sums;
        for (var i = 0; i < nT; i++)
        {
            var treatment = i;
            var needTotal = !schedule.ClosedTotal[i] && !sums.ContainsKey($"te:{i}");
            var needDirect = !schedule.ClosedDirect[i] && !sums.ContainsKey($"nde:{i}");
            if (needTotal || needDirect)
            {
                var asked = new TreatmentWork(Id, fittedJson, treatment, needTotal, needDirect);
                work.Add(async () =>
                {
                    var r = await CallAsync($"treatment {treatment}",
                        () => GrainFactory.GetGrain<ITreatmentGrain>(GrainKeys.Treatment(Id, treatment)).RunAsync(asked), ct);
                    if (asked.Total) sums[$"te:{treatment}"] = r.TotalSum;
                    if (asked.Direct) sums[$"nde:{treatment}"] = r.DirectSum;
                });
            }
            for (var j = 0; j < nM; j++)
            {
                var mediator = j;
                if (schedule.ClosedNie[i, j] || sums.ContainsKey($"nie:{i}:{j}")) continue;
                work.Add(async () =>
                {
                    var r = await CallAsync($"pair ({treatment}, {mediator})",
                        () => GrainFactory.GetGrain<IMediationPairGrain>(GrainKeys.Pair(Id, treatment, mediator)).RunAsync(new PairWork(Id, fittedJson, treatment, mediator)), ct);
                    sums[$"nie:{treatment}:{mediator}"] = r.Sum;
                });
            }
        }

        var total = work.Count;
        var done = 0;
        await FanOutAsync(work, async piece =>
        {
            await piece();
            progress.State.Progress = (0.1 + 0.9 * ++done / total) * share;
            await SaveSoonAsync();
        }, ct);
        progress.State.Progress = share;
        await SaveAsync();

        double Sum(string key) => sums.TryGetValue(key, out var v) ? v : 0;
        var nieSums = new double[nT, nM];
        for (var i = 0; i < nT; i++)
            for (var j = 0; j < nM; j++) nieSums[i, j] = Sum($"nie:{i}:{j}");
        return schedule.Assemble(fitted, options, parsed.Data.Rows, MediationSchedule.DeltaSums(fitted, plan, options, parsed.Data),
            Enumerable.Range(0, nT).Select(i => Sum($"te:{i}")).ToArray(),
            Enumerable.Range(0, nT).Select(i => Sum($"nde:{i}")).ToArray(),
            nieSums);
    }

    private async Task<MediationResult> BootstrapAsync(MediationResult point, MediationOptions options, CancellationToken ct)
    {
        var b = options.Bootstrap;
        // About 32 chunks: enough to spread over the silos, each a few resamples (each resample is a whole analysis).
        var size = Math.Clamp((b + 31) / 32, 1, 50);
        var starts = Enumerable.Range(0, (b + size - 1) / size).Select(k => k * size).ToList();
        var chunks = progress.State.BootstrapChunks;
        await FanOutAsync(starts.Where(s => !chunks.ContainsKey(s)).ToList(), async start =>
        {
            var count = Math.Min(size, b - start);
            var chunk = await CallAsync($"bootstrap {start}..{start + count - 1}",
                () => GrainFactory.GetGrain<IBootstrapGrain>(GrainKeys.Bootstrap(Id, start)).RunAsync(new BootstrapWork(Id, start, count)), ct);
            chunks[start] = chunk.Means;
            progress.State.Progress = 0.2 + 0.8 * chunks.Count / starts.Count;
            await SaveSoonAsync();
        }, ct);
        await SaveAsync();
        return Bootstrap.WithIntervals(point, options, starts.Select(s => chunks[s]).ToList());
    }

    /// <summary>Runs <paramref name="body"/> for every item, at most <see cref="MaxInFlight"/> at once, on this activation.</summary>
    private static async Task FanOutAsync<T>(IReadOnlyList<T> items, Func<T, Task> body, CancellationToken ct)
    {
        // Not Parallel.ForEachAsync: its bodies would leave the grain's scheduler, and they touch grain state.
        var gate = new SemaphoreSlim(MaxInFlight);
        var tasks = items.Select(async item =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await body(item);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks).WaitAsync(ct);
    }

    private const int MaxAttempts = 12;

    /// <summary>
    /// Calls a piece's grain, retrying while its silo is being lost (calls to a dead silo fail fast until
    /// membership declares it dead; the retry then activates the grain on a survivor). Bad input and bugs
    /// are not retried.
    /// </summary>
    private async Task<T> CallAsync<T>(string piece, Func<Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsTransient(e) && attempt < MaxAttempts && !ct.IsCancellationRequested)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 100 * (1 << Math.Min(attempt, 6))));
                LogRetry(e, Id, piece, attempt, delay);
                await Task.Delay(delay, ct);
            }
        }
    }

    private static bool IsTransient(Exception e) =>
        e is OrleansException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException || (e is OperationCanceledException && e.InnerException is not null);
}
