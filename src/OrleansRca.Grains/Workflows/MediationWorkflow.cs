using OrleansRca.Causal.Mediation;

namespace OrleansRca.Grains.Workflows;

/// <summary>
/// Mediation: fit (node grains) -> point pieces (treatment and pair grains) -> bootstrap chunks (bootstrap
/// grains, which keep their own results). It mirrors <c>MediationEngine.Run</c>'s choices exactly (closed
/// form where it applies, propagation elsewhere) so the cluster's result equals the core's.
/// Pieces: <c>fit:v</c> (intercept, weights of node v), <c>nie:i:j</c>, <c>te:i</c>, <c>nde:i</c> (sums over rows).
/// </summary>
public sealed class MediationWorkflow(MediationSpec spec) : IAnalysisWorkflow
{
    public const string FitPrefix = "fit:";

    public async Task ValidateAsync(WorkflowContext context, CancellationToken cancellationToken) =>
        await context.Cache.GetRequestAsync(context.AnalysisId, spec, cancellationToken);

    public async Task<string> RunAsync(WorkflowContext context, CancellationToken ct)
    {
        var parsed = await context.Cache.GetRequestAsync(context.AnalysisId, spec, ct);
        context.Running();
        var options = parsed.Options;
        var pointShare = options.Bootstrap > 0 ? 0.2 : 1.0;
        var plan = MediationPlan.Create(parsed.Model, options);
        var fitted = await FitAsync(context, parsed.Model, pointShare, ct);
        var point = await PointAsync(context, parsed, fitted, plan, pointShare, ct);
        context.Cache.Metrics?.Processed(AnalysisKinds.Mediation, point.Rows, point.Nie.Count);
        if (options.Bootstrap <= 0) return point.ToJson().ToJsonString();
        return (await BootstrapAsync(context, point, options, ct)).ToJson().ToJsonString();
    }

    /// <summary>The model with the fitted mechanisms of <paramref name="fits"/> (pieces <c>fit:v</c>) in place.</summary>
    public static CausalModel WithFits(CausalModel model, IReadOnlyDictionary<string, double[]> fits)
    {
        var mechanisms = model.Mechanisms.ToArray();
        foreach (var v in model.NodesToFit())
        {
            var fit = fits.TryGetValue(FitPrefix + v, out var f) ? f
                : throw new InvalidOperationException($"node '{model.Graph.Names[v]}' has no fitted mechanism");
            mechanisms[v] = new LinearMechanism(fit[0], fit[1..]);
        }
        return model.WithMechanisms(mechanisms);
    }

    /// <summary>Fits every node without a mechanism in its node grain (least squares reads only observed columns, so all at once).</summary>
    private static async Task<CausalModel> FitAsync(WorkflowContext context, CausalModel model, double share, CancellationToken ct)
    {
        var names = model.Graph.Names;
        var missing = model.NodesToFit().Where(v => !context.Pieces.ContainsKey(FitPrefix + v)).ToList();
        await WorkflowContext.FanOutAsync(missing, async v =>
        {
            var fit = await context.CallAsync($"fit '{names[v]}'",
                () => context.Grains.GetGrain<ICausalNodeGrain>(GrainKeys.Node(context.AnalysisId, names[v]))
                    .FitAsync(new NodeFitWork(context.AnalysisId, names[v]), ct), ct);
            context.Pieces[FitPrefix + v] = [fit.Intercept, .. fit.Weights];
        }, ct);
        context.Progress = 0.1 * share;
        await context.SaveAsync();
        return WithFits(model, context.Pieces);
    }

    private static async Task<MediationResult> PointAsync(WorkflowContext context, MediationRequest parsed, CausalModel fitted, MediationPlan plan, double share, CancellationToken ct)
    {
        var options = parsed.Options;
        var id = context.AnalysisId;
        // The core's schedule decides what is closed-form, exactly as MediationEngine.Run does.
        var schedule = MediationSchedule.Create(fitted, plan, options.Engine);
        var nT = plan.Treatments.Length;
        var nM = plan.Mediators.Length;
        var sums = context.Pieces;
        var work = new List<Func<Task>>();
        for (var i = 0; i < nT; i++)
        {
            var treatment = i;
            var needTotal = !schedule.ClosedTotal[i] && !sums.ContainsKey($"te:{i}");
            var needDirect = !schedule.ClosedDirect[i] && !sums.ContainsKey($"nde:{i}");
            if (needTotal || needDirect)
            {
                var asked = new TreatmentWork(id, treatment, needTotal, needDirect);
                work.Add(async () =>
                {
                    var r = await context.CallAsync($"treatment {treatment}",
                        () => context.Grains.GetGrain<ITreatmentGrain>(GrainKeys.Treatment(id, treatment)).RunAsync(asked, ct), ct);
                    if (asked.Total) sums[$"te:{treatment}"] = [r.TotalSum];
                    if (asked.Direct) sums[$"nde:{treatment}"] = [r.DirectSum];
                });
            }
            for (var j = 0; j < nM; j++)
            {
                var mediator = j;
                // Closed forms and pairs whose treatment cannot reach the mediator cost no propagation.
                if (schedule.ClosedNie[i, j] || sums.ContainsKey($"nie:{i}:{j}")) continue;
                work.Add(async () =>
                {
                    var r = await context.CallAsync($"pair ({treatment}, {mediator})",
                        () => context.Grains.GetGrain<IMediationPairGrain>(GrainKeys.Pair(id, treatment, mediator)).RunAsync(new PairWork(id, treatment, mediator), ct), ct);
                    sums[$"nie:{treatment}:{mediator}"] = [r.Sum];
                });
            }
        }

        var total = work.Count;
        var done = 0;
        await WorkflowContext.FanOutAsync(work, async piece =>
        {
            await piece();
            context.Progress = (0.1 + 0.9 * ++done / total) * share;
            await context.SaveSoonAsync();
        }, ct);
        context.Progress = share;
        await context.SaveAsync();

        double Sum(string key) => sums.TryGetValue(key, out var v) ? v[0] : 0;
        var nieSums = new double[nT, nM];
        for (var i = 0; i < nT; i++)
            for (var j = 0; j < nM; j++) nieSums[i, j] = Sum($"nie:{i}:{j}");
        return schedule.Assemble(fitted, options, parsed.Data.Rows, MediationSchedule.DeltaSums(fitted, plan, options, parsed.Data),
            Enumerable.Range(0, nT).Select(i => Sum($"te:{i}")).ToArray(),
            Enumerable.Range(0, nT).Select(i => Sum($"nde:{i}")).ToArray(),
            nieSums);
    }

    private static async Task<MediationResult> BootstrapAsync(WorkflowContext context, MediationResult point, MediationOptions options, CancellationToken ct)
    {
        var b = options.Bootstrap;
        var id = context.AnalysisId;
        // About 32 chunks: enough to spread over the silos, each a few resamples (each resample is a whole analysis).
        var size = Math.Clamp((b + 31) / 32, 1, 50);
        var starts = Enumerable.Range(0, (b + size - 1) / size).Select(k => k * size).ToList();
        var chunks = new Dictionary<int, double[]>();
        // Finished chunks answer from their own storage, so a resumed analysis asks every chunk again.
        await WorkflowContext.FanOutAsync(starts, async start =>
        {
            var count = Math.Min(size, b - start);
            var chunk = await context.CallAsync($"bootstrap {start}..{start + count - 1}",
                () => context.Grains.GetGrain<IBootstrapGrain>(GrainKeys.Bootstrap(id, start)).RunAsync(new BootstrapWork(id, start, count), ct), ct);
            chunks[start] = chunk.Means;
            context.Progress = Math.Max(context.Progress, 0.2 + 0.8 * chunks.Count / starts.Count);
            await context.SaveSoonAsync();
        }, ct);
        var result = MediationEngine.WithIntervals(point, options, starts.Select(s => chunks[s]).ToList());
        // The chunks are no longer needed: their storage is freed (best effort; an orphan holds a few kilobytes).
        // A chunk whose silo just died cannot be reached to forget: that must not fail a finished analysis.
        await WorkflowContext.FanOutAsync(starts, async start =>
        {
            try
            {
                await context.Grains.GetGrain<IBootstrapGrain>(GrainKeys.Bootstrap(id, start)).ForgetAsync();
            }
            catch (Exception e) when (WorkflowContext.IsTransient(e))
            {
                // Best effort, as above.
            }
        }, ct);
        return result;
    }
}
