using OrleansRca.Causal.Data;
using OrleansRca.Grains.Requests;
using OrleansRca.Hosting;

namespace OrleansRca.Cli;

/// <summary>
/// Where the CLI sends an analysis: an embedded single silo by default, or a running cluster. Data files
/// are read straight into columns (CSV on every core; Parquet and Arrow by extension) while the silo
/// starts, and handed to it by dataset id: no text copies, no JSON of the data.
/// </summary>
public static class Analyses
{
    /// <summary><see cref="RunAsync"/> with a progress bar on a terminal's standard error.</summary>
    public static Task<JsonObject> RunWithProgressAsync(string kind, JsonObject request, string? cluster, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? dataFiles = null) =>
        Output.ProgressDisplay.RunAsync(kind, p => RunAsync(kind, request, dataFiles ?? new Dictionary<string, string>(), cluster, p, cancellationToken));

    /// <summary>
    /// Runs <paramref name="request"/> (the HTTP body shape). <paramref name="dataFiles"/> maps table fields
    /// (<c>data</c>, <c>normal</c>, <c>anomalies</c>) to files; each becomes <c>{"dataset": ID}</c> in the request.
    /// </summary>
    public static async Task<JsonObject> RunAsync(string kind, JsonObject request, IReadOnlyDictionary<string, string> dataFiles, string? cluster,
        IProgress<double>? progress, CancellationToken cancellationToken)
    {
        // Everything checkable without the data is checked before a silo starts: bad input fails in milliseconds.
        foreach (var field in dataFiles.Keys) SetTable(request, field, new JsonObject { ["dataset"] = Pending });
        await AnalysisRequests.ParseAsync(kind, request, new PendingIntake(), cancellationToken);

        var phases = PhaseLog.Start();
        var starting = Task.Run(() => RcaHost.StartRunnerAsync(cluster, cancellationToken), cancellationToken);
        IAnalysisRunner? runner = null;
        try
        {
            var columns = ModelColumns(request);
            var files = await Task.Run(() => dataFiles.ToDictionary(f => f.Key, f => DataFile.Read(f.Value, columns)), cancellationToken);
            phases.Mark("data read into columns");
            foreach (var (field, file) in files) SetTable(request, field, new JsonObject { ["dataset"] = file.Dataset.Id });
            var local = new LocalIntake(files.Values);
            var spec = await AnalysisRequests.ParseAsync(kind, request, local, cancellationToken);
            // The data checks too (columns, values, gaps), before the cluster is asked for anything.
            if (spec is MediationSpec m) AnalysisRequests.ToMediation(m, local.Datasets[m.Data.DatasetId]);
            else if (spec is DiscoverySpec d) AnalysisRequests.ToDiscovery(d, [.. d.Data.Select(x => local.Datasets[x.DatasetId])]);
            else if (spec is LocalizationSpec l) AnalysisRequests.ToLocalization(l, local.Datasets[l.Normal.DatasetId], local.Datasets[l.Anomalies.DatasetId]);

            phases.Mark("validated");
            runner = await starting;
            phases.Mark("silo started");
            foreach (var file in files.Values)
                await runner.AddDatasetAsync(file.Dataset, file.Content, file.Format, cancellationToken);
            // The files' bytes (as large as the files) were needed only for their ids and an upload.
            files.Clear();
            var result = await runner.RunAsync(kind, request, progress, cancellationToken);
            phases.Mark("analysis");
            return result;
        }
        finally
        {
            runner ??= await WhenStarted(starting);
            if (runner is not null) await runner.DisposeAsync();
            phases.Mark("silo stopped");
        }
    }

    /// <summary>A table field: <c>data</c> sets the field, <c>data[2]</c> an element of an array field (a discovery's several tables).</summary>
    private static void SetTable(JsonObject request, string field, JsonNode value)
    {
        var open = field.IndexOf('[');
        if (open < 0)
        {
            request[field] = value;
            return;
        }
        var name = field[..open];
        var index = int.Parse(field[(open + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
        if (request[name] is not JsonArray array) request[name] = array = [];
        while (array.Count <= index) array.Add(null);
        array[index] = value;
    }

    private const string Pending = "00000000000000000000000000000000";

    private static async Task<IAnalysisRunner?> WhenStarted(Task<IAnalysisRunner> starting)
    {
        try
        {
            return await starting;
        }
        catch (Exception) when (!starting.IsCompletedSuccessfully)
        {
            // The start failed or was cancelled; the error that matters is the one already propagating.
            return null;
        }
    }

    /// <summary>The model's node names, when the request has a model: the only columns worth parsing.</summary>
    private static HashSet<string>? ModelColumns(JsonObject request) =>
        request["model"] is JsonObject { } model && model["nodes"] is JsonArray nodes
            ? nodes.OfType<JsonObject>().Select(n => n["name"]?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal)
            : null;

    /// <summary>For the first, data-free check: every table is "there".</summary>
    private sealed class PendingIntake : IDatasetIntake
    {
        public Task<string> AddCsvAsync(string csv, string field, CancellationToken cancellationToken) => Task.FromResult(Pending);

        public Task<bool> ExistsAsync(string id, CancellationToken cancellationToken) => Task.FromResult(true);
    }

    /// <summary>The files read by this process; inline CSV (e.g. generated data) is read the same way.</summary>
    private sealed class LocalIntake(IEnumerable<DataFile> files) : IDatasetIntake
    {
        public Dictionary<string, Dataset> Datasets { get; } = files.Select(f => f.Dataset).DistinctBy(d => d.Id).ToDictionary(d => d.Id, StringComparer.Ordinal);

        public Task<string> AddCsvAsync(string csv, string field, CancellationToken cancellationToken)
        {
            var dataset = CsvColumns.Read(System.Text.Encoding.UTF8.GetBytes(csv), field);
            Datasets.TryAdd(dataset.Id, dataset);
            return Task.FromResult(dataset.Id);
        }

        public Task<bool> ExistsAsync(string id, CancellationToken cancellationToken) => Task.FromResult(Datasets.ContainsKey(id));
    }
}

/// <summary>With <c>--verbose</c> or <c>RCA_TIMINGS=1</c>, the CLI's phases and their wall times on standard error (where the time goes).</summary>
internal sealed class PhaseLog
{
    /// <summary>Set by <c>--verbose</c>.</summary>
    public static bool Verbose { get; set; }

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly bool _on = Verbose || Environment.GetEnvironmentVariable("RCA_TIMINGS") == "1";
    private double _last;

    public static PhaseLog Start() => new();

    public void Mark(string phase)
    {
        if (!_on) return;
        var now = _clock.Elapsed.TotalMilliseconds;
        // The JIT's share says whether a phase computed or compiled (a fresh process compiles thousands of methods).
        Console.Error.WriteLine($"timing: {phase,-24} {now - _last,8:F0} ms (at {now:F0} ms, since process start {(DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0} ms; "
            + $"JIT so far: {System.Runtime.JitInfo.GetCompiledMethodCount()} methods, {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0} ms; "
            // Pool threads beyond the cores mean work waited for the pool to grow; GC pauses are time not computed.
            + $"pool threads {ThreadPool.ThreadCount}, GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, paused {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms)");
        _last = now;
    }
}

/// <summary>A data file read into columns, with its bytes (for an upload to a remote cluster) and format.</summary>
public sealed record DataFile(Dataset Dataset, ReadOnlyMemory<byte> Content, DataFormat Format)
{
    /// <summary>Reads <paramref name="path"/> by extension; for CSV only <paramref name="columns"/> (null: all) are parsed.</summary>
    public static DataFile Read(string path, IReadOnlyCollection<string>? columns)
    {
        if (!File.Exists(path)) throw new InputException($"data file '{path}' does not exist");
        var bytes = File.ReadAllBytes(path);
        var format = ColumnarFiles.FormatOfPath(path);
        return new DataFile(ColumnarFiles.Read(bytes, format, Path.GetFileName(path), columns), bytes, format);
    }
}
