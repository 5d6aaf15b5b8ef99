using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using OrleansRca.Abstractions;
using OrleansRca.Causal;
using OrleansRca.Causal.Mediation;
using OrleansRca.Causal.Models;
using OrleansRca.Causal.Requests;

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

    public AnalysisCache(IGrainFactory grains, ILocalSiloDetails silo, TimeProvider? time = null)
    {
        _grains = grains;
        _time = time ?? TimeProvider.System;
        Silo = silo.SiloAddress.ToString();
        _entries = new IdleExpiringMap<Entry>(_time, IdleLifetime);
        Discrete = new DiscreteCache(grains, this, _time);
    }

    /// <summary>The same, for the discrete analyses (networks, inference engines, interventional marginals).</summary>
    public DiscreteCache Discrete { get; }

    /// <summary>
    /// CPU-heavy pieces that may run at once on this silo. One core is left for message handling: grain
    /// turns, status polls and membership probes share the thread pool with this work, and a pool full
    /// of long computations answers them late (or makes the silo look dead).
    /// </summary>
    public static int ComputeSlots { get; } = Math.Max(1, Environment.ProcessorCount - 1);

    private readonly SemaphoreSlim _compute = new(ComputeSlots);

    /// <summary>
    /// Runs core work off the grain scheduler, at most <see cref="ComputeSlots"/> at once on this silo.
    /// The core's <see cref="InputException"/> becomes a <see cref="BadInputException"/>, which crosses
    /// grain boundaries with its type intact.
    /// </summary>
    public async Task<T> ComputeAsync<T>(Func<T> work)
    {
        await _compute.WaitAsync().ConfigureAwait(false);
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
            }).ConfigureAwait(false);
        }
        finally
        {
            _compute.Release();
        }
    }

    /// <summary>This silo's address, reported by grains for diagnostics and tests.</summary>
    public string Silo { get; }

    /// <summary>Analyses with a cache entry on this silo (diagnostics).</summary>
    public int Count => _entries.Count;

    /// <summary>The parsed request, fetched from the analysis' orchestrator the first time this silo needs it.</summary>
    public Task<MediationRequest> GetRequestAsync(string analysisId)
    {
        return Touch(analysisId).Request.GetOrStart(() => LoadRequestAsync(analysisId));
    }

    /// <summary>Seeds the request (the orchestrator's silo already has it parsed).</summary>
    public void PrimeRequest(string analysisId, MediationRequest request) => PrimeRequest(analysisId, () => request);

    /// <summary>Seeds the request from <paramref name="parse"/> unless this silo already has it.</summary>
    public void PrimeRequest(string analysisId, Func<MediationRequest> parse) =>
        Touch(analysisId).Request.GetOrStart(() => Task.FromResult(parse()));

    /// <summary>The prepared problem (noise, baseline world) on the fitted model; built once per silo.</summary>
    public Task<MediationProblem> GetProblemAsync(string analysisId, string fittedModelJson)
    {
        return Touch(analysisId).Problem.GetOrStart(() => Task.Run(async () =>
        {
            var request = await GetRequestAsync(analysisId).ConfigureAwait(false);
            var model = ModelFile.FromJson(RequestJson.ParseObject(fittedModelJson, "fitted model"), "fitted model");
            // One thread per piece: the cluster's parallelism is many pieces at once (results do not depend on it).
            return await ComputeAsync(() => MediationEngine.Prepare(model, request.Data, request.Options with { MaxParallelism = 1 })).ConfigureAwait(false);
        }));
    }

    /// <summary>Step 2 for one treatment (its mediators' treated values), shared by the pair grains of that treatment on this silo.</summary>
    public Task<TreatmentRun> GetTreatmentRunAsync(string analysisId, string fittedModelJson, int treatment)
    {
        var slot = Touch(analysisId).Runs.GetOrAdd(treatment, _ => new OnceSlot<TreatmentRun>());
        return slot.GetOrStart(() => Task.Run(async () =>
        {
            var problem = await GetProblemAsync(analysisId, fittedModelJson).ConfigureAwait(false);
            return await ComputeAsync(() => MediationEngine.RunTreatment(problem, treatment)).ConfigureAwait(false);
        }));
    }

    /// <summary>Drops everything held for an analysis (it finished).</summary>
    public void Forget(string analysisId) => _entries.Forget(analysisId);

    public void Dispose()
    {
        _entries.Dispose();
        Discrete.Dispose();
        _compute.Dispose();
    }

    private async Task<MediationRequest> LoadRequestAsync(string analysisId)
    {
        // Run off any grain's scheduler: the task is shared by every grain of the analysis on this silo.
        var inputs = await Task.Run(() => _grains.GetGrain<IAnalysisOrchestratorGrain>(analysisId).GetInputsAsync()).ConfigureAwait(false);
        return await ComputeAsync(() => ParseRequest(inputs.RequestJson)).ConfigureAwait(false);
    }

    public static MediationRequest ParseRequest(string requestJson) =>
        MediationRequest.Parse(RequestJson.ParseObject(requestJson));

    private Entry Touch(string analysisId) => _entries.Touch(analysisId);

    private sealed class Entry
    {
        public readonly OnceSlot<MediationRequest> Request = new();
        public readonly OnceSlot<MediationProblem> Problem = new();
        public readonly ConcurrentDictionary<int, OnceSlot<TreatmentRun>> Runs = new();
    }
}
