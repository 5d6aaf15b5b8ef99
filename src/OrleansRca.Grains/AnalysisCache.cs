using System.Collections.Concurrent;
using OrleansRca.Causal.Mediation;
using OrleansRca.Causal.Mitigation;
using OrleansRca.Grains.Workflows;

namespace OrleansRca.Grains;

/// <summary>
/// Per-silo cache of what the grains of one analysis share: the parsed request (model, data columns,
/// options), the prepared <see cref="MediationProblem"/> and the per-treatment counterfactual runs.
/// The request moves to a silo once (fetched from the orchestrator by the first grain that needs it);
/// every grain of that analysis on the silo then reads the same arrays. Registered as a silo singleton
/// (<see cref="RcaSiloBuilderExtensions.AddRcaGrains"/>), so each silo, also in an in-process test cluster,
/// has its own. Entries unused for <see cref="IdleLifetime"/> are dropped.
/// </summary>
public sealed class AnalysisCache : IDisposable
{
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromMinutes(10);

    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly IdleExpiringMap<Entry> _entries;

    private readonly DatasetCache _datasets;

    public AnalysisCache(IGrainFactory grains, ILocalSiloDetails silo, IDatasetStore datasets,
        Microsoft.Extensions.Options.IOptions<AnalysisLifetimeOptions>? options = null, TimeProvider? time = null, RcaMetrics? metrics = null)
    {
        Metrics = metrics;
        ComputeSlots = options?.Value.ComputeSlots ?? AnalysisLifetimeOptions.DefaultComputeSlots;
        _compute = new SemaphoreSlim(ComputeSlots);
        ReserveComputeThreads(ComputeSlots);
        _grains = grains;
        _datasets = new DatasetCache(datasets, options?.Value.DatasetCacheBytes ?? DatasetCache.DefaultCapacityBytes);
        metrics?.Track(_datasets);
        if (datasets is InMemoryDatasetStore memory) metrics?.Track(memory);
        _time = time ?? TimeProvider.System;
        Silo = silo.SiloAddress.ToString();
        _entries = new IdleExpiringMap<Entry>(_time, IdleLifetime);
        Discrete = new DiscreteCache(grains, this, _time);
        Discovery = new DiscoveryCache(grains, this, _time);
        Localization = new LocalizationCache(grains, this);
    }

    /// <summary>The engine's instruments (absent where no host registered them, e.g. some tests).</summary>
    public RcaMetrics? Metrics { get; }

    /// <summary>The same, for localizations (inputs with gaps resolved, the fitted model for Shapley rows).</summary>
    public LocalizationCache Localization { get; }

    /// <summary>The same, for the discrete analyses (networks, inference engines, interventional marginals).</summary>
    public DiscreteCache Discrete { get; }

    /// <summary>The same, for discoveries (the prepared problem: per-regime statistics).</summary>
    public DiscoveryCache Discovery { get; }

    /// <summary>
    /// CPU-heavy pieces that may run at once on this silo (<see cref="AnalysisLifetimeOptions.ComputeSlots"/>;
    /// by default one core is left for message handling: grain turns, status polls and membership probes
    /// share the thread pool with this work, and a pool full of long computations answers them late, or
    /// makes the silo look dead).
    /// </summary>
    public int ComputeSlots { get; }

    private readonly SemaphoreSlim _compute;

    /// <summary>
    /// Runs core work off the grain scheduler, at most <see cref="ComputeSlots"/> at once on this silo.
    /// The core's <see cref="InputException"/> becomes a <see cref="BadInputException"/>, which crosses
    /// grain boundaries with its type intact.
    /// </summary>
    public async Task<T> ComputeAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        // A cancelled analysis' queued pieces never start: the slot goes to live work.
        await _compute.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() =>
            {
                try
                {
                    return work();
                }
                catch (InputException e)
                {
                    throw new BadInputException(e.Message);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _compute.Release();
        }
    }

    /// <summary>
    /// Pieces hold up to <paramref name="slots"/> pool threads for long stretches. Past its minimum (one thread per
    /// core) the pool adds threads only as its starvation check allows, about one per half second, so grain turns,
    /// polls and continuations queued behind busy pieces would wait for it: raise the minimum by the slots, so the
    /// rest of the silo keeps a thread per core at once. Process-wide and only ever raised.
    /// </summary>
    private static void ReserveComputeThreads(int slots)
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < Environment.ProcessorCount + slots) ThreadPool.SetMinThreads(Environment.ProcessorCount + slots, io);
    }

    /// <summary>This silo's address, reported by grains for diagnostics and tests.</summary>
    public string Silo { get; }

    /// <summary>Analyses with a cache entry on this silo (diagnostics).</summary>
    public int Count => _entries.Count;

    /// <summary>The per-silo dataset cache (columns loaded once per silo, bounded in bytes).</summary>
    public DatasetCache Datasets => _datasets;

    /// <summary>The core request (model, data columns, options), fetched from the analysis' orchestrator the first time this silo needs it.</summary>
    public Task<MediationRequest> GetRequestAsync(string analysisId, CancellationToken cancellationToken = default) =>
        Touch(analysisId).Request.GetOrStart(() => LoadRequestAsync(analysisId, null, cancellationToken));

    /// <summary>The same, built from <paramref name="spec"/> (the orchestrator's silo has it) unless this silo already has it.</summary>
    public Task<MediationRequest> GetRequestAsync(string analysisId, MediationSpec spec, CancellationToken cancellationToken = default) =>
        Touch(analysisId).Request.GetOrStart(() => LoadRequestAsync(analysisId, spec, cancellationToken));

    /// <summary>The model with the analysis' fitted mechanisms, fetched from the orchestrator once per silo (only asked for after fitting).</summary>
    public Task<CausalModel> GetFittedModelAsync(string analysisId) =>
        Touch(analysisId).Fitted.GetOrStart(() => Task.Run(async () =>
        {
            var request = await GetRequestAsync(analysisId).ConfigureAwait(false);
            var fits = await _grains.GetGrain<IAnalysisOrchestratorGrain>(analysisId).GetPiecesAsync(MediationWorkflow.FitPrefix).ConfigureAwait(false);
            return MediationWorkflow.WithFits(request.Model, fits);
        }));

    /// <summary>The prepared problem (noise, baseline world) on the fitted model; built once per silo.</summary>
    public Task<MediationProblem> GetProblemAsync(string analysisId)
    {
        return Touch(analysisId).Problem.GetOrStart(() => Task.Run(async () =>
        {
            var request = await GetRequestAsync(analysisId).ConfigureAwait(false);
            var model = await GetFittedModelAsync(analysisId).ConfigureAwait(false);
            // One thread per piece: the cluster's parallelism is many pieces at once (results do not depend on it).
            return await ComputeAsync(() => MediationEngine.Prepare(model, request.Data, request.Options with { MaxParallelism = 1 })).ConfigureAwait(false);
        }));
    }

    /// <summary>Step 2 for one treatment (its mediators' treated values), shared by the pair grains of that treatment on this silo.</summary>
    public Task<TreatmentRun> GetTreatmentRunAsync(string analysisId, int treatment)
    {
        var slot = Touch(analysisId).Runs.GetOrAdd(treatment, _ => new OnceSlot<TreatmentRun>());
        return slot.GetOrStart(() => Task.Run(async () =>
        {
            var problem = await GetProblemAsync(analysisId).ConfigureAwait(false);
            return await ComputeAsync(() => MediationEngine.RunTreatment(problem, treatment)).ConfigureAwait(false);
        }));
    }

    /// <summary>A mitigation's plan (fit, root causes, detector), built once per silo from the spec (fetched from the orchestrator when not given).</summary>
    public Task<MitigationPlan> GetMitigationAsync(string analysisId, MitigationSpec? spec, CancellationToken cancellationToken = default) =>
        Touch(analysisId).Mitigation.GetOrStart(() => Task.Run(async () =>
        {
            spec ??= await _grains.FetchSpecAsync<MitigationSpec>(analysisId, "a mitigation").ConfigureAwait(false);
            var normal = await _datasets.GetAsync(spec.Normal.DatasetId, cancellationToken).ConfigureAwait(false);
            var anomalies = await _datasets.GetAsync(spec.Anomalies.DatasetId, cancellationToken).ConfigureAwait(false);
            return await ComputeAsync(() =>
            {
                var (data, options) = AnalysisRequests.ToMitigation(spec, normal, anomalies);
                return Mitigator.Prepare(data, options);
            }, cancellationToken).ConfigureAwait(false);
        }));

    /// <summary>
    /// One piece of work is done with treatment <paramref name="treatment"/>'s run on this silo (a pair, or the
    /// treatment's total effect). When every piece that needs it is done, the run (a column per reachable
    /// mediator) is dropped: on an embedded silo, where every piece lands, that bounds memory to the runs in
    /// flight instead of all of them. Pieces spread over several silos leave each silo's count above zero, and
    /// the run goes with the analysis, as before. A piece retried after the drop rebuilds the run (same values).
    /// </summary>
    public async Task ReleaseTreatmentRunAsync(string analysisId, int treatment)
    {
        var entry = Touch(analysisId);
        var problem = await GetProblemAsync(analysisId).ConfigureAwait(false);
        lock (entry.RunUses)
        {
            if (!entry.RunUses.TryGetValue(treatment, out var left))
            {
                var schedule = MediationSchedule.Create(problem.Model, problem.Plan, problem.Options.Engine);
                left = Enumerable.Range(0, problem.Plan.Mediators.Length).Count(j => !schedule.ClosedNie[treatment, j])
                    + (schedule.ClosedTotal[treatment] ? 0 : 1);
            }
            entry.RunUses[treatment] = --left;
            if (left <= 0) entry.Runs.TryRemove(treatment, out _);
        }
    }

    /// <summary>Drops everything held for an analysis (it finished).</summary>
    public void Forget(string analysisId)
    {
        _entries.Forget(analysisId);
        Discovery.Forget(analysisId);
    }

    public void Dispose()
    {
        _entries.Dispose();
        Discrete.Dispose();
        Discovery.Dispose();
        Localization.Dispose();
        _compute.Dispose();
    }

    private async Task<MediationRequest> LoadRequestAsync(string analysisId, MediationSpec? spec, CancellationToken cancellationToken)
    {
        spec ??= await _grains.FetchSpecAsync<MediationSpec>(analysisId, "a mediation").ConfigureAwait(false);
        var dataset = await _datasets.GetAsync(spec.Data.DatasetId, cancellationToken).ConfigureAwait(false);
        return await ComputeAsync(() => AnalysisRequests.ToMediation(spec, dataset)).ConfigureAwait(false);
    }

    private Entry Touch(string analysisId) => _entries.Touch(analysisId);

    private sealed class Entry
    {
        public readonly OnceSlot<MediationRequest> Request = new();
        public readonly OnceSlot<CausalModel> Fitted = new();
        public readonly OnceSlot<MediationProblem> Problem = new();
        public readonly OnceSlot<MitigationPlan> Mitigation = new();
        public readonly ConcurrentDictionary<int, OnceSlot<TreatmentRun>> Runs = new();
        public readonly Dictionary<int, int> RunUses = [];
    }
}
