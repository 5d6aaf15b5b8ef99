using Microsoft.Extensions.Logging;
using Orleans.Storage;
using OrleansRca.Abstractions;
using OrleansRca.Causal;
using OrleansRca.Causal.Requests;

namespace OrleansRca.Grains;

/// <summary>
/// One analysis (key: analysis id). <see cref="IAnalysisOrchestratorGrain.SubmitAsync"/> validates,
/// persists and returns at once; the work runs in a one-shot grain timer, so no caller waits on it.
/// Every finished piece is persisted; after a silo loss the orchestrator is reactivated by the next
/// status poll and resumes from its state, recomputing only what is missing.
/// </summary>
public sealed partial class AnalysisOrchestratorGrain(
    [PersistentState("request", RcaStorage.Name)] IPersistentState<AnalysisRequestState> request,
    [PersistentState("progress", RcaStorage.Name)] IPersistentState<AnalysisProgressState> progress,
    AnalysisCache cache,
    ILogger<AnalysisOrchestratorGrain> logger) : Grain, IAnalysisOrchestratorGrain
{
    /// <summary>Pieces in flight at once: enough to keep every silo busy, few enough that none waits out its response timeout.</summary>
    private const int MaxInFlight = 32;

    /// <summary>Piece results are persisted at most this often (and always at the end of a phase).</summary>
    private static readonly TimeSpan SaveInterval = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _saveGate = new(1, 1);
    private long _lastSave;
    private IGrainTimer? _work;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (progress.State.Stage is AnalysisStage.Queued or AnalysisStage.Running)
        {
            LogResuming(Id, progress.State.Stage, progress.State.Sums.Count, progress.State.BootstrapChunks.Count);
            StartWork();
        }
        return Task.CompletedTask;
    }

    async Task<AnalysisStatus> IAnalysisOrchestratorGrain.SubmitAsync(string kind, string requestJson)
    {
        if (progress.State.Stage != AnalysisStage.Unknown) return Status();
        try
        {
            if (!AnalysisKinds.IsSupported(kind))
                throw new InputException($"analysis kind '{kind}' is not supported by the cluster yet (supported: {string.Join(", ", AnalysisKinds.Supported)})");
            if (DiscreteRequests.IsDiscrete(kind))
            {
                ValidateDiscrete(kind, requestJson);
            }
            else
            {
                var parsed = AnalysisCache.ParseRequest(requestJson);
                parsed.Validate();
                cache.PrimeRequest(Id, parsed);
            }
        }
        catch (InputException e)
        {
            // Nothing is stored: the id stays unknown, the caller gets the reason.
            return new AnalysisStatus(Id, kind, AnalysisStage.Failed, 0, null, new AnalysisError(AnalysisError.BadInput, e.Message));
        }

        request.State = new AnalysisRequestState { Kind = kind, RequestJson = requestJson };
        await request.WriteStateAsync();
        progress.State = new AnalysisProgressState { Kind = kind, Stage = AnalysisStage.Queued, SubmittedAt = DateTimeOffset.UtcNow };
        await SaveAsync();
        StartWork();
        return Status();
    }

    Task<AnalysisStatus> IAnalysisOrchestratorGrain.GetStatusAsync() => Task.FromResult(Status());

    Task<AnalysisInputs> IAnalysisOrchestratorGrain.GetInputsAsync() =>
        request.State.RequestJson is { } json
            ? Task.FromResult(new AnalysisInputs(request.State.Kind ?? AnalysisKinds.Mediation, json))
            : throw new InvalidOperationException($"analysis '{Id}' has no stored request (never submitted, or finished)");

    Task<string> IAnalysisOrchestratorGrain.GetSiloAsync() => Task.FromResult(cache.Silo);

    private AnalysisStatus Status()
    {
        var s = progress.State;
        return new AnalysisStatus(Id, s.Kind ?? "", s.Stage, s.Progress, s.ResultJson, s.Error);
    }

    private void StartWork() =>
        // Not interleaved: the work is this grain's only writer; status and input reads are [AlwaysInterleave].
        _work ??= this.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan)
        {
            Interleave = false,
            KeepAlive = true,
        });

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var requestJson = request.State.RequestJson
                ?? throw new InvalidOperationException($"analysis '{Id}' is {progress.State.Stage.ToWire()} but its request is not stored");
            var kind = request.State.Kind ?? AnalysisKinds.Mediation;
            string resultJson;
            if (DiscreteRequests.IsDiscrete(kind))
            {
                resultJson = await RunDiscreteAsync(kind, requestJson, cancellationToken);
            }
            else
            {
                cache.PrimeRequest(Id, () => AnalysisCache.ParseRequest(requestJson));
                var parsed = await cache.GetRequestAsync(Id);
                progress.State.Stage = AnalysisStage.Running;
                await SaveAsync();

                resultJson = await RunMediationAsync(parsed, cancellationToken);
            }

            progress.State = new AnalysisProgressState
            {
                Kind = progress.State.Kind, Stage = AnalysisStage.Succeeded, Progress = 1,
                SubmittedAt = progress.State.SubmittedAt, ResultJson = resultJson,
            };
            await FinishAsync();
        }
        catch (SupersededException)
        {
            LogSuperseded(Id);
            DeactivateOnIdle();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Deactivating (e.g. the silo shuts down): the state says running, so the next activation resumes.
            LogInterrupted(Id);
        }
        catch (Exception e) when (e is InputException or BadInputException)
        {
            await FailAsync(AnalysisError.BadInput, e.Message);
        }
        catch (Exception e)
        {
            LogFailed(e, Id);
            await FailAsync(AnalysisError.Internal, e.Message);
        }
        finally
        {
            _work?.Dispose();
            _work = null;
        }
    }

    private async Task FailAsync(string kind, string message)
    {
        progress.State = new AnalysisProgressState
        {
            Kind = progress.State.Kind, Stage = AnalysisStage.Failed, Progress = progress.State.Progress,
            SubmittedAt = progress.State.SubmittedAt, Error = new AnalysisError(kind, message),
        };
        try
        {
            await FinishAsync();
        }
        catch (SupersededException)
        {
            LogSuperseded(Id);
            DeactivateOnIdle();
        }
    }

    /// <summary>Keeps only the outcome: the request and the pieces are no longer needed.</summary>
    private async Task FinishAsync()
    {
        await SaveAsync();
        await request.ClearStateAsync();
        cache.Forget(Id);
    }

    /// <summary>Persists progress unless it was saved less than <see cref="SaveInterval"/> ago (a crash then loses at most that much work).</summary>
    private Task SaveSoonAsync() =>
        TimeProvider.System.GetElapsedTime(_lastSave) < SaveInterval ? Task.CompletedTask : SaveAsync();

    private async Task SaveAsync()
    {
        // Pieces finish concurrently (interleaved awaits in this activation); writes must not overlap.
        await _saveGate.WaitAsync();
        try
        {
            try
            {
                await progress.WriteStateAsync();
            }
            catch (InconsistentStateException)
            {
                var mine = progress.State;
                await progress.ReadStateAsync();
                // Another activation wrote after us (this one was cut off with its silo and declared dead):
                // that one owns the analysis now. Stop, and let the next call reactivate from storage.
                if (progress.RecordExists) throw new SupersededException();
                // The record vanished (in-memory storage loses records with their silo): ours is the only copy.
                progress.State = mine;
                await progress.WriteStateAsync();
            }
            _lastSave = TimeProvider.System.GetTimestamp();
        }
        finally
        {
            _saveGate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysis {AnalysisId} resumes ({Stage}; {Pieces} pieces and {Chunks} bootstrap chunks already done)")]
    private partial void LogResuming(string analysisId, AnalysisStage stage, int pieces, int chunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysis {AnalysisId} interrupted by deactivation; it resumes on the next activation")]
    private partial void LogInterrupted(string analysisId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis {AnalysisId}: another activation wrote its state; this one stops")]
    private partial void LogSuperseded(string analysisId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Analysis {AnalysisId} failed")]
    private partial void LogFailed(Exception exception, string analysisId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis {AnalysisId}: {Piece} failed (attempt {Attempt}), retrying in {Delay}")]
    private partial void LogRetry(Exception exception, string analysisId, string piece, int attempt, TimeSpan delay);
}

/// <summary>This activation lost ownership of its analysis' state to a newer activation.</summary>
internal sealed class SupersededException : Exception;

/// <summary>The grain storage the orchestrator persists to: memory in the embedded default, AdoNet in a cluster.</summary>
public static class RcaStorage
{
    public const string Name = "Default";
}
