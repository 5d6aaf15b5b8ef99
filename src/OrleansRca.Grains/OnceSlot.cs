namespace OrleansRca.Grains;

/// <summary>
/// A value computed at most once and shared by every caller; a failed computation is forgotten so the
/// next caller retries (a silo lost mid-fetch must not poison the cache).
/// </summary>
internal sealed class OnceSlot<T>
{
    private readonly Lock _lock = new();
    private Task<T>? _task;

    public Task<T> GetOrStart(Func<Task<T>> start)
    {
        lock (_lock)
        {
            if (_task is { } running) return running;
            var task = start();
            _task = task;
            _ = task.ContinueWith(Forget, CancellationToken.None,
                TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return task;
        }
    }

    private void Forget(Task<T> failed)
    {
        lock (_lock)
            if (ReferenceEquals(_task, failed)) _task = null;
    }
}
