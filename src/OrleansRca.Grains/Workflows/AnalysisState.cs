namespace OrleansRca.Grains.Workflows;

/// <summary>
/// Everything an orchestrator persists: the typed request (data by dataset id), where the analysis is, and
/// the finished pieces by key, so a reactivated orchestrator recomputes only what is missing. Bounded: one
/// small array per piece (fitted mechanisms, per-pair sums, per-node marginals); bootstrap resamples are
/// kept by their own chunk grains.
/// </summary>
[GenerateSerializer, Alias("rca.AnalysisState")]
public sealed class AnalysisState
{
    [Id(0)] public AnalysisSpec? Spec { get; set; }
    [Id(1)] public AnalysisStage Stage { get; set; }
    [Id(2)] public double Progress { get; set; }
    [Id(3)] public DateTimeOffset SubmittedAt { get; set; }
    [Id(4)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(5)] public Dictionary<string, double[]> Pieces { get; set; } = [];
    /// <summary>The verb's JSON document, once succeeded.</summary>
    [Id(6)] public string? ResultJson { get; set; }
    [Id(7)] public AnalysisError? Error { get; set; }
    /// <summary>The W3C id of the submitting call's span: the analysis' work joins that trace, also after a resume.</summary>
    [Id(8)] public string? TraceParent { get; set; }
}

/// <summary>How long analyses live, how often an interrupted one is looked at, how much runs at once, how many columns a silo caches (silo options).</summary>
public sealed class AnalysisLifetimeOptions
{
    /// <summary>
    /// The period of each analysis' reminder: the longest an analysis interrupted by a silo loss waits before
    /// it resumes without any poll (a poll resumes it at once). Orleans' default minimum is one minute.
    /// </summary>
    public TimeSpan ResumeCheckPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long an analysis runs before it registers its reminder. Most finish in milliseconds, and a reminder
    /// per analysis costs every one of them a row in the reminder table and an entry in Orleans' reminder
    /// service. The price: one cut off by a silo loss within this time resumes at its next poll, not by itself.
    /// </summary>
    public TimeSpan ResumeGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a finished analysis (its status and result) is kept; then its id is unknown (404).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Whether the silo has a reminder service: where grain state outlives the silo (PostgreSQL). Without one
    /// (the CLI's embedded silo and <c>serve</c> on localhost: one process whose in-memory state dies with it,
    /// so nothing is left to resume) the silo's <see cref="AnalysisExpiry"/> expires finished analyses.
    /// </summary>
    public bool UseReminders { get; set; } = true;

    /// <summary>
    /// CPU-heavy pieces at once on a silo. A server leaves one core for messages and membership probes;
    /// the CLI's embedded silo serves nobody else and uses every core.
    /// </summary>
    public int ComputeSlots { get; set; } = DefaultComputeSlots;

    public static int DefaultComputeSlots { get; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Bytes of dataset columns the silo's <see cref="Datasets.DatasetCache"/> keeps (<c>serve --dataset-cache-bytes</c>).</summary>
    public long DatasetCacheBytes { get; set; } = Datasets.DatasetCache.DefaultCapacityBytes;
}
