namespace OrleansRca.Hosting;

/// <summary>
/// One host process: an Orleans silo plus (for <c>serve</c>) the HTTP API. Clustering is chosen here,
/// not by code forks: <c>localhost</c> (the embedded default: localhost clustering, in-memory grain
/// storage) or <c>adonet</c> (membership, grain state, reminders and datasets in PostgreSQL).
/// Bound from configuration (<see cref="FromConfiguration"/>: <c>Orleans:*</c>, e.g. the environment
/// variable <c>Orleans__ConnectionString</c>) with command-line flags taking precedence.
/// </summary>
public sealed record ServeOptions
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public const long DefaultMaxRequestBodyBytes = 64L * 1024 * 1024;

    /// <summary>Kestrel URLs, ';'-separated (<c>--urls</c>).</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary><c>localhost</c> or <c>adonet</c> (<c>--clustering</c>).</summary>
    public string Clustering { get; init; } = ClusteringModes.Localhost;

    /// <summary>PostgreSQL connection string for <c>adonet</c> (<c>--connection</c>).</summary>
    public string? Connection { get; init; }

    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    public string ClusterId { get; init; } = RcaHost.DefaultClusterId;

    public string ServiceId { get; init; } = RcaHost.DefaultServiceId;

    /// <summary>
    /// The address other silos and clients reach this silo at (<c>--advertise</c>, e.g. a pod's IP). Null: for
    /// <c>adonet</c> the host's first non-loopback IPv4 address; localhost clustering always uses loopback.
    /// </summary>
    public string? AdvertisedAddress { get; init; }

    /// <summary>The silo's name in the membership table (e.g. a pod's name); null lets Orleans choose.</summary>
    public string? SiloName { get; init; }

    /// <summary>Larger request bodies are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>API key, rate and input limits, telemetry: what the service adds (<see cref="ServiceOptions"/>).</summary>
    public ServiceOptions Service { get; init; } = new();

    /// <summary>Checks the options; bad values are an <see cref="InputException"/> naming the option.</summary>
    public void Validate()
    {
        Service.Validate();
        if (string.IsNullOrWhiteSpace(Urls)) throw new InputException("--urls must not be empty");
        foreach (var url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new InputException($"--urls: '{url}' is not an http(s) URL");
        CheckPort(SiloPort, "--silo-port");
        CheckPort(GatewayPort, "--gateway-port");
        if (SiloPort == GatewayPort && SiloPort != 0) throw new InputException($"--silo-port and --gateway-port are both {SiloPort}");
        if (string.IsNullOrWhiteSpace(ClusterId)) throw new InputException("--cluster-id must not be empty");
        if (MaxRequestBodyBytes <= 0) throw new InputException("the request body limit must be positive");
        if (AdvertisedAddress is not null && !IPAddress.TryParse(AdvertisedAddress, out _) && Uri.CheckHostName(AdvertisedAddress) == UriHostNameType.Unknown)
            throw new InputException($"--advertise: '{AdvertisedAddress}' is neither an IP address nor a host name");
        switch (Clustering)
        {
            case ClusteringModes.Localhost:
                break;
            case ClusteringModes.AdoNet:
                if (string.IsNullOrWhiteSpace(Connection))
                    throw new InputException("--clustering adonet needs --connection (a PostgreSQL connection string, e.g. \"Host=127.0.0.1;Username=rca;Password=...;Database=rca\"), or Orleans__ConnectionString in the environment");
                try
                {
                    _ = new Npgsql.NpgsqlConnectionStringBuilder(Connection);
                }
                catch (ArgumentException e)
                {
                    throw new InputException($"--connection is not a valid PostgreSQL connection string: {e.Message}");
                }
                break;
            default:
                throw new InputException($"--clustering must be '{ClusteringModes.Localhost}' or '{ClusteringModes.AdoNet}', not '{Clustering}'");
        }
    }

    /// <summary>
    /// The options found in configuration (section <c>Orleans</c>: ConnectionString (which selects adonet),
    /// ClusterId, ServiceId, SiloPort, GatewayPort, AdvertisedIPAddress, SiloName; <c>Urls</c> or ASPNETCORE_URLS;
    /// section <c>Rca</c>: <see cref="ServiceOptions.FromConfiguration"/>), over the defaults. A value that is not a number where one is needed is an <see cref="InputException"/>
    /// naming the key.
    /// </summary>
    public static ServeOptions FromConfiguration(IConfiguration configuration)
    {
        var orleans = configuration.GetSection("Orleans");
        var defaults = new ServeOptions();
        return new ServeOptions
        {
            Urls = configuration["Urls"] ?? configuration["ASPNETCORE_URLS"] ?? defaults.Urls,
            // Not a key of its own: Orleans reads "Orleans:Clustering" as its provider section. A connection
            // string in configuration means the PostgreSQL cluster; --clustering still decides when given.
            Clustering = orleans["ConnectionString"] is { Length: > 0 } ? ClusteringModes.AdoNet : defaults.Clustering,
            Connection = orleans["ConnectionString"],
            ClusterId = orleans["ClusterId"] ?? defaults.ClusterId,
            ServiceId = orleans["ServiceId"] ?? defaults.ServiceId,
            SiloPort = ConfigurationValues.Integer(orleans, "SiloPort") ?? defaults.SiloPort,
            GatewayPort = ConfigurationValues.Integer(orleans, "GatewayPort") ?? defaults.GatewayPort,
            AdvertisedAddress = orleans["AdvertisedIPAddress"],
            SiloName = orleans["SiloName"],
            Service = ServiceOptions.FromConfiguration(configuration),
        };
    }

    private static void CheckPort(int port, string option)
    {
        if (port is < 1 or > 65535) throw new InputException($"{option} must be between 1 and 65535, not {port}");
    }
}

public static class ClusteringModes
{
    /// <summary>Single machine: localhost clustering and in-memory grain storage.</summary>
    public const string Localhost = "localhost";

    /// <summary>AdoNet clustering, grain storage and reminders on PostgreSQL (Invariant <c>Npgsql</c>), datasets too.</summary>
    public const string AdoNet = "adonet";
}

/// <summary>Where <see cref="RcaHost.StartConfiguredRunnerAsync"/> runs analyses.</summary>
public sealed record RunnerOptions
{
    /// <summary>Null: an embedded single silo in this process. Else a gateway's <c>host:port</c>.</summary>
    public string? ClusterAddress { get; init; }

    /// <summary>Must match the cluster's <c>--cluster-id</c> when connecting to a running cluster.</summary>
    public string ClusterId { get; init; } = RcaHost.DefaultClusterId;

    public string ServiceId { get; init; } = RcaHost.DefaultServiceId;
}
