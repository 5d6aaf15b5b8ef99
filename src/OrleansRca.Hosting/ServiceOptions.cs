namespace OrleansRca.Hosting;

/// <summary>
/// What <c>serve</c> adds to a silo to face the outside (contract section 6): the API key, rate limits, input
/// limits, memory bounds and telemetry. Defaults suit one 2-core silo; every value has a <c>serve</c> option, and
/// the memory bounds and the retention also a configuration key (<see cref="FromConfiguration"/>).
/// </summary>
public sealed record ServiceOptions
{
    public const string ApiKeyVariable = "RCA_API_KEY";

    /// <summary>The configuration section of <see cref="FromConfiguration"/> (environment variables <c>Rca__*</c>).</summary>
    public const string Section = "Rca";

    /// <summary>When set, every <c>/v1</c> request needs <c>Authorization: Bearer</c> this key. Never printed.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Requests per second each client (remote address) may make to <c>/v1</c>; 0 turns the limit off (<c>--rate-limit</c>).</summary>
    public int RateLimitPerSecond { get; init; } = 5000;

    /// <summary>Requests a client may make at once above the steady rate (token bucket size); default twice the rate.</summary>
    public int? RateLimitBurst { get; init; }

    /// <summary>Most nodes a model may have (<c>--max-model-nodes</c>).</summary>
    public int MaxModelNodes { get; init; } = 10_000;

    /// <summary>Most characters a formula mechanism may have (<c>--max-formula-length</c>).</summary>
    public int MaxFormulaLength { get; init; } = 10_000;

    /// <summary>Most rows a table may have, inline in an analysis or uploaded as a dataset (<c>--max-rows</c>).</summary>
    public long MaxRows { get; init; } = 10_000_000;

    /// <summary>How long a finished analysis (status and result) is kept before its id answers 404 (<c>--retention</c>).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Bytes of columns the embedded dataset store keeps (<c>--dataset-store-bytes</c>, <c>Rca:DatasetStoreBytes</c>);
    /// the localhost clustering only (a PostgreSQL cluster keeps datasets in the database).
    /// </summary>
    public long DatasetStoreBytes { get; init; } = InMemoryDatasetStore.DefaultCapacityBytes;

    /// <summary>Bytes of columns the silo's dataset cache keeps (<c>--dataset-cache-bytes</c>, <c>Rca:DatasetCacheBytes</c>).</summary>
    public long DatasetCacheBytes { get; init; } = DatasetCache.DefaultCapacityBytes;

    /// <summary>Share of traces recorded, 0..1 (<c>--trace-sampling</c>); a caller's sampled parent is always followed.</summary>
    public double TraceSampling { get; init; } = 0.01;

    public const long MinimumBoundBytes = 1L << 20;

    public int EffectiveBurst => RateLimitBurst ?? Math.Max(1, 2 * RateLimitPerSecond);

    /// <summary>The key from <paramref name="apiKeyFile"/> (first line, trimmed) or else the <c>RCA_API_KEY</c> variable; null when neither.</summary>
    /// <exception cref="InputException">The file is missing, unreadable or empty.</exception>
    public static string? ReadApiKey(string? apiKeyFile)
    {
        if (apiKeyFile is null)
            return Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null;
        string text;
        try
        {
            text = File.ReadAllText(apiKeyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"--api-key-file: cannot read '{apiKeyFile}': {e.Message}");
        }
        var key = text.Split('\n', 2)[0].Trim();
        return key.Length > 0 ? key : throw new InputException($"--api-key-file: '{apiKeyFile}' is empty");
    }

    /// <summary>
    /// The options found in configuration section <c>Rca</c> (DatasetStoreBytes, DatasetCacheBytes, Retention),
    /// over the defaults; flags win over these. A value of the wrong form is an <see cref="InputException"/> naming the key.
    /// </summary>
    public static ServiceOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var defaults = new ServiceOptions();
        return defaults with
        {
            DatasetStoreBytes = ConfigurationValues.Bytes(section, nameof(DatasetStoreBytes)) ?? defaults.DatasetStoreBytes,
            DatasetCacheBytes = ConfigurationValues.Bytes(section, nameof(DatasetCacheBytes)) ?? defaults.DatasetCacheBytes,
            Retention = ConfigurationValues.Duration(section, nameof(Retention)) ?? defaults.Retention,
        };
    }

    public void Validate()
    {
        if (ApiKey is { } key && (key.Length < 16 || key.Any(char.IsWhiteSpace)))
            throw new InputException("the API key must be at least 16 characters without spaces");
        if (RateLimitPerSecond < 0) throw new InputException($"--rate-limit must be 0 (off) or positive, not {RateLimitPerSecond}");
        if (RateLimitBurst is < 1) throw new InputException($"the rate limit burst must be positive, not {RateLimitBurst}");
        if (MaxModelNodes < 1) throw new InputException($"--max-model-nodes must be positive, not {MaxModelNodes}");
        if (MaxFormulaLength < 1) throw new InputException($"--max-formula-length must be positive, not {MaxFormulaLength}");
        if (MaxRows < 1) throw new InputException($"--max-rows must be positive, not {MaxRows}");
        if (Retention < TimeSpan.FromSeconds(1)) throw new InputException($"--retention (Rca__Retention) must be at least a second, not {Retention}");
        // A megabyte at least: below that the bounds would refuse ordinary tables rather than protect the process.
        if (DatasetStoreBytes < MinimumBoundBytes) throw new InputException($"--dataset-store-bytes (Rca__DatasetStoreBytes) must be at least {MinimumBoundBytes}, not {DatasetStoreBytes}");
        if (DatasetCacheBytes < MinimumBoundBytes) throw new InputException($"--dataset-cache-bytes (Rca__DatasetCacheBytes) must be at least {MinimumBoundBytes}, not {DatasetCacheBytes}");
        if (TraceSampling is < 0 or > 1 || double.IsNaN(TraceSampling)) throw new InputException($"--trace-sampling must be between 0 and 1, not {TraceSampling}");
    }

    // The key stays out of ToString (and so out of any log that prints the options).
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"ApiKey = {(ApiKey is null ? "none" : "set")}, RateLimitPerSecond = {RateLimitPerSecond}, RateLimitBurst = {EffectiveBurst}, ");
        builder.Append($"MaxModelNodes = {MaxModelNodes}, MaxFormulaLength = {MaxFormulaLength}, MaxRows = {MaxRows}, Retention = {Retention}, ");
        builder.Append($"DatasetStoreBytes = {DatasetStoreBytes}, DatasetCacheBytes = {DatasetCacheBytes}, TraceSampling = {TraceSampling}");
        return true;
    }
}
