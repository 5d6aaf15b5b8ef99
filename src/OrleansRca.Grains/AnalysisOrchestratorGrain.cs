using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using OrleansRca.Grains.Workflows;

namespace OrleansRca.Grains;

/// <summary>
/// One analysis (key: analysis id), kept thin: state, a timer that runs the kind's workflow, a reminder,
/// status and cancellation. <see cref="IAnalysisOrchestratorGrain.SubmitAsync"/> validates, persists and
/// returns at once; the work runs in an interleaving grain timer, so a repeated Submit, a poll or a
/// cancel answers at once. Every finished piece is persisted; after a silo loss the reminder (or the next
/// poll) reactivates the orchestrator, which resumes from its state and recomputes only what is missing.
/// The reminder is registered only once the work has run <see cref="AnalysisLifetimeOptions.ResumeGrace"/>:
/// most analyses finish in milliseconds and never touch the reminder table.
/// A finished analysis is kept for <see cref="AnalysisLifetimeOptions.Retention"/>, then forgotten: by the
/// same reminder, or where there are no reminders by the silo's <see cref="AnalysisExpiry"/>.
/// Random placement spreads orchestrators over the silos whatever their load figures say at the moment.
/// </summary>
[Orleans.Placement.RandomPlacement]
// An idle orchestrator (finished, or between polls) leaves memory soon: its state is in grain storage. Running work keeps it active (timer keep-alive).
[CollectionAgeLimit(Minutes = 2)]
public sealed partial class AnalysisOrchestratorGrain(
    [PersistentState("analysis", RcaStorage.Name)] IPersistentState<AnalysisState> state,
    AnalysisCache cache,
    OrleansRca.Grains.Datasets.IDatasetStore datasets,
    IOptions<AnalysisLifetimeOptions> lifetime,
    AnalysisExpiry expiry,
    RcaMetrics metrics,
    ILogger<AnalysisOrchestratorGrain> logger) : Grain, IAnalysisOrchestratorGrain, IDiscreteAnalysisGrain, IExpiringAnalysisGrain, IRemindable
{
    private const string ReminderName = "analysis";

    /// <summary>Progress is persisted at most this often (and always at the end of a phase).</summary>
    private static readonly TimeSpan SaveInterval = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _saveGate = new(1, 1);
    private readonly CancellationTokenSource _cancel = new();
    private long _lastSave;
    private IGrainTimer? _work;
    private IGrainTimer? _grace;
    private bool _reminded;
    private IGrainTimer? _resume;
    private IAnalysisWorkflow? _workflow;
    private Task<AnalysisStatus>? _submitting;

    private string Id => this.GetPrimaryKeyString();

    private AnalysisState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Stage is AnalysisStage.Queued or AnalysisStage.Running)
        {
            LogResuming(Id, S.Stage, S.Pieces.Count);
            StartWork();
        }
        return Task.CompletedTask;
    }

    Task<AnalysisStatus> IAnalysisOrchestratorGrain.SubmitAsync(AnalysisSpec spec, CancellationToken cancellationToken)
    {
        // Interleaved: a repeated submit answers at once, also while the first is being validated.
        if (S.Stage != AnalysisStage.Unknown) return Task.FromResult(Status());
        return _submitting ??= SubmitOnceAsync(spec, cancellationToken);
    }

    private async Task<AnalysisStatus> SubmitOnceAsync(AnalysisSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var workflow = Workflows.Workflows.For(spec);
            S.Spec = spec;
            await workflow.ValidateAsync(Context(), cancellationToken);
            _workflow = workflow;
        }
        catch (Exception e) when (e is InputException or BadInputException)
        {
            // Nothing is stored: the id stays unknown, the caller gets the reason.
            state.State = new AnalysisState();
            _submitting = null;
            cache.Forget(Id);
            datasets.Release(Id);
            return new AnalysisStatus(Id, spec.Kind, AnalysisStage.Failed, 0, null, new AnalysisError(AnalysisError.BadInput, e.Message));
        }

        S.Stage = AnalysisStage.Queued;
        S.SubmittedAt = DateTimeOffset.UtcNow;
        S.TraceParent = Activity.Current?.Id;
        await SaveAsync(force: true);
        metrics.Started(spec.Kind);
        StartWork();
        return Status();
    }

    Task<AnalysisStatus> IAnalysisOrchestratorGrain.GetStatusAsync() => Task.FromResult(Status());

    async Task<AnalysisStatus> IAnalysisOrchestratorGrain.CancelAsync()
    {
        if (S.Stage is not (AnalysisStage.Queued or AnalysisStage.Running)) return Status();
        LogCancelled(Id);
        await _cancel.CancelAsync();
        await FinishAsync(AnalysisStage.Failed, null, new AnalysisError(AnalysisError.Cancelled, "the analysis was cancelled"));
        return Status();
    }

    Task<AnalysisInputs> IAnalysisOrchestratorGrain.GetInputsAsync() =>
        S.Spec is { } spec && S.Stage is AnalysisStage.Queued or AnalysisStage.Running
            ? Task.FromResult(new AnalysisInputs(spec))
            : throw new InvalidOperationException($"analysis '{Id}' is not running (never submitted, finished or cancelled)");

    Task<Dictionary<string, double[]>> IAnalysisOrchestratorGrain.GetPiecesAsync(string prefix) =>
        Task.FromResult(S.Pieces.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary());

    Task<string> IAnalysisOrchestratorGrain.GetSiloAsync() => Task.FromResult(cache.Silo);

    Task<DiscreteOracle> IDiscreteAnalysisGrain.GetOracleAsync() =>
        _workflow is DiscreteWorkflow { Oracle: { } oracle }
            ? Task.FromResult(oracle)
            : throw new InvalidOperationException($"analysis '{Id}' has not gathered its interventional marginals (yet)");

    Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        _reminded = true;
        return TickAsync();
    }

    Task IExpiringAnalysisGrain.ExpireAsync() => TickAsync();

    private async Task TickAsync()
    {
        switch (S.Stage)
        {
            case AnalysisStage.Queued or AnalysisStage.Running:
                StartWork();
                break;
            case AnalysisStage.Succeeded or AnalysisStage.Failed when S.FinishedAt is { } finished && DateTimeOffset.UtcNow - finished < lifetime.Value.Retention:
                // Finished but not expired: tick again when it expires.
                await ScheduleExpiryAsync(lifetime.Value.Retention - (DateTimeOffset.UtcNow - finished));
                break;
            default:
                // Expired (or never stored): forget it. Its id is unknown from now on.
                LogExpired(Id);
                if (lifetime.Value.UseReminders && await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
                await state.ClearStateAsync();
                state.State = new AnalysisState();
                datasets.Release(Id);
                DeactivateOnIdle();
                break;
        }
    }

    private AnalysisStatus Status() => new(Id, S.Spec?.Kind ?? "", S.Stage, S.Progress, S.ResultJson, S.Error);

    private WorkflowContext Context() =>
        new(Id, GrainFactory, cache, S, force => SaveAsync(force), (piece, attempt, e, delay) => LogRetry(e, Id, piece, attempt, delay));

    private void StartWork()
    {
        // Interleaving: status polls, a repeated submit and a cancel answer while the work awaits its pieces.
        // The work is the only writer of the pieces; saves are serialised by _saveGate.
        _work ??= this.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan)
        {
            Interleave = true,
            KeepAlive = true,
        });
        if (lifetime.Value.UseReminders && !_reminded)
            _grace ??= this.RegisterGrainTimer(RemindIfRunningAsync, new GrainTimerCreationOptions(lifetime.Value.ResumeGrace, Timeout.InfiniteTimeSpan)
            {
                Interleave = true,
            });
    }

    /// <summary>The work has outlived the grace: from now on a reminder resumes it after a silo loss, with nobody polling.</summary>
    private async Task RemindIfRunningAsync(CancellationToken cancellationToken)
    {
        if (_reminded || S.Stage is not (AnalysisStage.Queued or AnalysisStage.Running)) return;
        _reminded = true;
        // Should the work finish while this registers, its expiry may be overwritten: the resume reminder's
        // next tick then finds it finished and schedules the expiry again (TickAsync).
        await this.RegisterOrUpdateReminder(ReminderName, lifetime.Value.ResumeCheckPeriod, lifetime.Value.ResumeCheckPeriod);
    }

    private async Task RunAsync(CancellationToken deactivating)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(deactivating, _cancel.Token);
        var ct = both.Token;
        metrics.Running(Id);
        // The timer has no ambient span: the run joins the submitter's trace, so one trace spans the analysis' grains.
        using var activity = RcaTracing.Source.StartActivity($"analysis {S.Spec?.Kind}", ActivityKind.Internal, S.TraceParent);
        activity?.SetTag("rca.analysis.id", Id);
        activity?.SetTag("rca.analysis.kind", S.Spec?.Kind);
        try
        {
            var spec = S.Spec ?? throw new InvalidOperationException($"analysis '{Id}' is {S.Stage.ToWire()} but its request is not stored");
            _workflow ??= Workflows.Workflows.For(spec);
            var result = await _workflow.RunAsync(Context(), ct);
            if (!_cancel.IsCancellationRequested) await FinishAsync(AnalysisStage.Succeeded, result, null);
        }
        catch (SupersededException)
        {
            LogSuperseded(Id);
            DeactivateOnIdle();
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            // Cancelled: CancelAsync has recorded it.
        }
        catch (Exception e) when (deactivating.IsCancellationRequested || IsSiloLoss(e) || e is OperationCanceledException)
        {
            // Deactivating, or a silo going away under a piece (this one or a worker's), or the runtime
            // cancelling a call while membership changes (not our cancel: that was caught above): not the analysis'
            // fault. The state still says running, so it resumes: here in a moment if this activation lives
            // on, else by the reminder or the next call on a live silo.
            LogInterrupted(Id);
            if (!deactivating.IsCancellationRequested) _resume ??= this.RegisterGrainTimer(_ =>
            {
                _resume?.Dispose();
                _resume = null;
                StartWork();
                return Task.CompletedTask;
            }, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        catch (Exception e) when (e is InputException or BadInputException)
        {
            await TryFinishAsync(AnalysisStage.Failed, null, new AnalysisError(AnalysisError.BadInput, e.Message));
        }
        catch (Exception e)
        {
            LogFailed(e, Id);
            await TryFinishAsync(AnalysisStage.Failed, null, new AnalysisError(AnalysisError.Internal, e.Message));
        }
        finally
        {
            metrics.Stopped(Id);
            _work?.Dispose();
            _work = null;
        }
    }

    private async Task TryFinishAsync(AnalysisStage stage, string? result, AnalysisError? error)
    {
        try
        {
            await FinishAsync(stage, result, error);
        }
        catch (SupersededException)
        {
            LogSuperseded(Id);
            DeactivateOnIdle();
        }
    }

    /// <summary>Keeps only the outcome (the pieces are no longer needed) and schedules its expiry.</summary>
    private async Task FinishAsync(AnalysisStage stage, string? result, AnalysisError? error)
    {
        S.Stage = stage;
        S.Progress = stage == AnalysisStage.Succeeded ? 1 : S.Progress;
        S.ResultJson = result;
        S.Error = error;
        S.FinishedAt = DateTimeOffset.UtcNow;
        S.Pieces = [];
        _grace?.Dispose();
        _grace = null;
        await SaveAsync(force: true);
        metrics.Finished(S.Spec?.Kind ?? "", stage == AnalysisStage.Succeeded ? "succeeded" : error?.Kind ?? AnalysisError.Internal,
            S.SubmittedAt is { } submitted ? S.FinishedAt.Value - submitted : TimeSpan.Zero);
        cache.Forget(Id);
        // Its tables may go now (inline ones first) if the dataset store needs the room.
        datasets.Release(Id);
        await ScheduleExpiryAsync(lifetime.Value.Retention);
    }

    private async Task ScheduleExpiryAsync(TimeSpan after)
    {
        if (lifetime.Value.UseReminders)
            await this.RegisterOrUpdateReminder(ReminderName, after, Max(lifetime.Value.Retention, lifetime.Value.ResumeCheckPeriod));
        else
            expiry.Schedule(Id, DateTimeOffset.UtcNow + after);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>A silo shutting down or declared dead under a call (after the pieces' own retries).</summary>
    private static bool IsSiloLoss(Exception? e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException
        || (e?.InnerException is { } inner && IsSiloLoss(inner));

    private async Task SaveAsync(bool force)
    {
        if (!force && TimeProvider.System.GetElapsedTime(_lastSave) < SaveInterval) return;
        // Pieces finish concurrently (interleaved awaits in this activation); writes must not overlap.
        await _saveGate.WaitAsync();
        try
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch (InconsistentStateException)
            {
                var mine = state.State;
                await state.ReadStateAsync();
                // Another activation wrote after us (this one was cut off with its silo and declared dead):
                // that one owns the analysis now. Stop, and let the next call reactivate from storage.
                if (state.RecordExists) throw new SupersededException();
                // The record vanished (in-memory storage loses records with their silo): ours is the only copy.
                state.State = mine;
                await state.WriteStateAsync();
            }
            _lastSave = TimeProvider.System.GetTimestamp();
        }
        finally
        {
            _saveGate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysis {AnalysisId} resumes ({Stage}; {Pieces} pieces already done)")]
    private partial void LogResuming(string analysisId, AnalysisStage stage, int pieces);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysis {AnalysisId} interrupted by deactivation; it resumes on the next activation")]
    private partial void LogInterrupted(string analysisId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Analysis {AnalysisId} cancelled")]
    private partial void LogCancelled(string analysisId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Analysis {AnalysisId} expired")]
    private partial void LogExpired(string analysisId);

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
