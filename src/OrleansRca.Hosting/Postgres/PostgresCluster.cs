using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orleans.Configuration;

namespace OrleansRca.Hosting.Postgres;

/// <summary>
/// A silo of a cluster of processes on PostgreSQL (<c>--clustering adonet</c>): membership, grain state,
/// reminders and datasets all in one database, whose schema the first silo creates.
/// </summary>
public static class PostgresCluster
{
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Failure detection for a cluster of processes on shared, busy machines (measured on 2-core machines,
    /// ORLEANS-NOTES.md): a silo that misses 3 probes of 2 s is voted dead in about 5-7 s, instead of the
    /// defaults' 13-19 s. Shorter timeouts (1 s, 2 probes) declared live silos dead under load.
    /// </summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public const int NumMissedProbesLimit = 3;

    /// <summary>
    /// Connections per pool when the connection string does not say: a silo has two pools (the Orleans
    /// providers', the dataset store's), so 3 silos hold at most 72 of PostgreSQL's default 100 connections.
    /// Npgsql's default (100 per pool) let a busy 3-silo cluster exhaust the server.
    /// </summary>
    public const int DefaultMaxPoolSize = 12;

    /// <summary><paramref name="connection"/> with <see cref="DefaultMaxPoolSize"/> unless it sets its own pool size.</summary>
    public static string WithPoolDefaults(string connection)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connection };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase)
                                              || k.Replace(" ", "", StringComparison.Ordinal).Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase)))
            return connection;
        return new NpgsqlConnectionStringBuilder(connection) { MaxPoolSize = DefaultMaxPoolSize }.ConnectionString;
    }

    /// <summary>
    /// Services the host needs before the silo starts: the database and the schema initializer. Call before
    /// <c>UseOrleans</c>: hosted services start in registration order, so the schema exists before any
    /// AdoNet provider loads its queries.
    /// </summary>
    public static void AddPostgres(IServiceCollection services, ServeOptions options)
    {
        AddDataSource(services, options);
        services.AddHostedService<PostgresSchema.Initializer>();
    }

    /// <summary>The process' one data source (schema, datasets); registered by whichever of the two callers runs first.</summary>
    private static void AddDataSource(IServiceCollection services, ServeOptions options) =>
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(WithPoolDefaults(options.Connection!)));

    public static ISiloBuilder UsePostgresCluster(this ISiloBuilder silo, ServeOptions options)
    {
        var connection = WithPoolDefaults(options.Connection!);
        silo.UseAdoNetClustering(o => { o.Invariant = Invariant; o.ConnectionString = connection; });
        silo.AddAdoNetGrainStorage(RcaStorage.Name, o => { o.Invariant = Invariant; o.ConnectionString = connection; });
        silo.UseAdoNetReminderService(o => { o.Invariant = Invariant; o.ConnectionString = connection; });
        AddDataSource(silo.Services, options);
        silo.Services.AddSingleton<IDatasetStore>(sp => new PostgresDatasetStore(sp.GetRequiredService<NpgsqlDataSource>()));

        var advertised = AdvertisedAddress(options.AdvertisedAddress);
        // A loopback silo listens on loopback only; one advertised on a network address listens on all interfaces
        // (a container or pod reaches it through whatever interface routes there).
        var listen = IPAddress.IsLoopback(advertised) ? advertised : IPAddress.Any;
        silo.Configure<EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = advertised;
            o.SiloPort = options.SiloPort;
            o.GatewayPort = options.GatewayPort;
            o.SiloListeningEndpoint = new IPEndPoint(listen, options.SiloPort);
            o.GatewayListeningEndpoint = new IPEndPoint(listen, options.GatewayPort);
        });
        silo.Configure<ClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = options.ServiceId; });
        // The strongly consistent directory: when a silo dies, the default (eventually consistent) one can let two
        // silos activate the same orchestrator at once; measured here, the two fought over its state and stalled
        // their workers for minutes. Every silo of a cluster must use the same directory. Orleans 10.4 marks it
        // for evaluation (ORLEANSEXP003); docs/cluster.md says so.
#pragma warning disable ORLEANSEXP003
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = ProbeTimeout;
            o.NumMissedProbesLimit = NumMissedProbesLimit;
        });
        if (options.SiloName is { Length: > 0 } name) silo.Configure<SiloOptions>(o => o.SiloName = name);
        return silo;
    }

    /// <summary>
    /// The configured address (an IP, or a host name resolved now), else the first up, non-loopback IPv4
    /// address of this host, else loopback.
    /// </summary>
    public static IPAddress AdvertisedAddress(string? configured)
    {
        if (configured is { Length: > 0 })
        {
            if (IPAddress.TryParse(configured, out var ip)) return ip;
            var resolved = Dns.GetHostAddresses(configured);
            return resolved.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? resolved.FirstOrDefault()
                ?? throw new OrleansRca.Causal.InputException($"--advertise: host '{configured}' has no address");
        }
        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }
}
