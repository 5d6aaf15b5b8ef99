using System.Collections.Concurrent;

namespace OrleansRca.Cluster.Tests;

/// <summary>
/// A process-wide reminder table, standing in for PostgreSQL in the in-process test clusters: Orleans'
/// in-memory table lives in a grain that dies with its silo, so it cannot show a reminder resuming an
/// analysis after a silo loss.
/// </summary>
public sealed class SharedReminderTable : IReminderTable
{
    private static readonly ConcurrentDictionary<(GrainId, string), ReminderEntry> Rows = new();
    private static readonly ConcurrentDictionary<GrainId, ConcurrentQueue<ReminderEntry>> Written = new();
    private static long _version;

    /// <summary>Every row <paramref name="grainId"/> ever wrote (registrations and updates), oldest first.</summary>
    public static IReadOnlyList<ReminderEntry> Upserts(GrainId grainId) =>
        Written.TryGetValue(grainId, out var rows) ? [.. rows.Select(Copy)] : [];

    /// <summary>The row <paramref name="grainId"/> has now, if any.</summary>
    public static ReminderEntry? Find(GrainId grainId, string reminderName) =>
        Rows.TryGetValue((grainId, reminderName), out var r) ? Copy(r) : null;

    public Task Init() => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        Task.FromResult(new ReminderTableData(Rows.Values.Where(r => r.GrainId == grainId).Select(Copy)));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        Task.FromResult(new ReminderTableData(Rows.Values.Where(r => InRange(r.GrainId.GetUniformHashCode(), begin, end)).Select(Copy)));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        Task.FromResult(Rows.TryGetValue((grainId, reminderName), out var r) ? Copy(r) : null);

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        var etag = Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var row = Copy(entry);
        row.ETag = etag;
        Rows[(entry.GrainId, entry.ReminderName)] = row;
        Written.GetOrAdd(entry.GrainId, _ => new ConcurrentQueue<ReminderEntry>()).Enqueue(Copy(row));
        return Task.FromResult<string?>(etag);
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        lock (Rows)
        {
            if (!Rows.TryGetValue((grainId, reminderName), out var r) || r.ETag != eTag) return Task.FromResult(false);
            return Task.FromResult(Rows.TryRemove((grainId, reminderName), out _));
        }
    }

    public Task TestOnlyClearTable()
    {
        Rows.Clear();
        return Task.CompletedTask;
    }

    /// <summary>The ring range (begin, end], wrapping around when begin >= end.</summary>
    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static ReminderEntry Copy(ReminderEntry r) => new()
    {
        GrainId = r.GrainId, ReminderName = r.ReminderName, StartAt = r.StartAt, Period = r.Period, ETag = r.ETag,
    };
}
