using Orleans.Runtime.Messaging;

namespace OrleansRca.Hosting;

/// <summary>
/// Grain calls made by the HTTP API, retried through a membership change: until a dead silo is voted out
/// (a few seconds, see PostgresCluster), calls to grains it hosted fail fast; once it is, the same call
/// activates the grain on a live silo and the analysis resumes from its persisted state.
/// </summary>
public static class TransientClusterCalls
{
    /// <summary>Longer than failure detection takes (about 5-7 s), short enough for an HTTP client's patience.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken = default, TimeSpan? budget = null)
    {
        var giveUpAt = DateTime.UtcNow + (budget ?? Budget);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // Bounded per attempt too: a request sent to a silo just before it died gets no answer
                // until the cluster votes that silo out, and the HTTP caller must hear back within the budget.
                var left = giveUpAt - DateTime.UtcNow;
                return await call().WaitAsync(left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && DateTime.UtcNow < giveUpAt && !cancellationToken.IsCancellationRequested)
            {
                // 100 ms, 200 ms, 400 ms ... capped at 2 s.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Min(attempt, 5))), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Failures that mean "a silo is going or gone", not "the request is wrong".</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        // OrleansException covers SiloUnavailableException, OrleansMessageRejectionException, storage hiccups.
        // A cancellation the caller did not ask for (RetryAsync checks its token): the directory cancels lookups
        // while it hands ranges over after a silo died.
        OrleansException or ConnectionFailedException or TimeoutException or OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.All(IsTransient),
        _ => false,
    };
}

/// <summary>A call that stayed transient past the budget: 503 with Retry-After (the cluster is changing), not a 500.</summary>
internal sealed class ClusterUnavailableHandler : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(Microsoft.AspNetCore.Http.HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!TransientClusterCalls.IsTransient(exception)) return false;
        context.Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "2";
        await Microsoft.AspNetCore.Http.Results.Problem(
            detail: $"the cluster is changing membership and did not answer within {TransientClusterCalls.Budget.TotalSeconds:F0} s; retry shortly",
            statusCode: Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable, title: "Cluster unavailable").ExecuteAsync(context).ConfigureAwait(false);
        return true;
    }
}
