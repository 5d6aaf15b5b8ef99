using System.Collections.Concurrent;

namespace OrleansRca.Grains;

/// <summary>
/// Per-analysis entries of a silo cache, dropped when unused for <see cref="Lifetime"/> (checked once a
/// minute): a finished or abandoned analysis frees its silo's memory without anyone telling the silo.
/// </summary>
public sealed class IdleExpiringMap<TEntry> : IDisposable where TEntry : class, new()
{
    private readonly ConcurrentDictionary<string, (TEntry Entry, long LastUsed)> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public IdleExpiringMap(TimeProvider time, TimeSpan lifetime)
    {
        _time = time;
        Lifetime = lifetime;
        _sweeper = _time.CreateTimer(_ => Sweep(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public TimeSpan Lifetime { get; }

    public int Count => _entries.Count;

    /// <summary>The entry of <paramref name="analysisId"/>, created on first use; marks it used now.</summary>
    public TEntry Touch(string analysisId)
    {
        var now = _time.GetTimestamp();
        return _entries.AddOrUpdate(analysisId, _ => (new TEntry(), now), (_, old) => (old.Entry, now)).Entry;
    }

    public void Forget(string analysisId) => _entries.TryRemove(analysisId, out _);

    private void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (id, value) in _entries)
            if (_time.GetElapsedTime(value.LastUsed, now) > Lifetime)
                _entries.TryRemove(new KeyValuePair<string, (TEntry, long)>(id, value));
    }

    public void Dispose() => _sweeper.Dispose();
}
