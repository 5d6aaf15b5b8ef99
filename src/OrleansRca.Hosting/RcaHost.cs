using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Orleans.Configuration;
using OrleansRca.Hosting.Postgres;

namespace OrleansRca.Hosting;

/// <summary>
/// The one place hosts are built: the embedded single silo of the CLI, an Orleans client of a running
/// cluster, and the <c>serve</c> process (silo + HTTP API).
/// </summary>
public static class RcaHost
{
    public const string DefaultClusterId = "orleans-rca";

    /// <summary>How long a client keeps trying to reach a cluster's gateway before it gives up.</summary>
    public static readonly TimeSpan ConnectBudget = TimeSpan.FromSeconds(5);
    public const string DefaultServiceId = "orleans-rca";

    /// <summary>How long a stopping <c>serve</c> process may take (deployments allow more: deploy/, docs/cluster.md).</summary>
    public static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(45);

    /// <summary>
    /// <paramref name="clusterAddress"/> null: starts an embedded single silo in this process (logging:
    /// warnings and errors, to stderr only). Else connects a client to the gateway at <c>host:port</c>.
    /// </summary>
    public static Task<IAnalysisRunner> StartRunnerAsync(string? clusterAddress, CancellationToken cancellationToken)
    {
        // A client must name the cluster as its silos do: the same Orleans__ClusterId / Orleans__ServiceId as `serve`.
        var configured = ServeOptions.FromConfiguration(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        return StartConfiguredRunnerAsync(new RunnerOptions { ClusterAddress = clusterAddress, ClusterId = configured.ClusterId, ServiceId = configured.ServiceId }, cancellationToken);
    }

    /// <summary>As <see cref="StartRunnerAsync"/>, with the cluster id and service id of a running cluster.</summary>
    public static async Task<IAnalysisRunner> StartConfiguredRunnerAsync(RunnerOptions options, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "rca" });
        QuietLogging(builder.Logging);
        // The CLI owns Ctrl+C; the embedded host must not install its own console handlers.
        builder.Services.AddSingleton<IHostLifetime, NoConsoleLifetime>();
        if (options.ClusterAddress is null)
        {
            // Free ports, so an embedded silo never collides with a `serve` or another CLI on this machine.
            var silo = new ServeOptions
            {
                SiloPort = FreeTcpPort(), GatewayPort = FreeTcpPort(),
                ClusterId = $"rca-embedded-{Environment.ProcessId}", ServiceId = options.ServiceId,
            };
            builder.UseOrleans(s => ConfigureSilo(s, silo, embedded: true));
        }
        else
        {
            var gateways = new List<IPEndPoint>();
            foreach (var address in options.ClusterAddress.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                gateways.Add(await ResolveAsync(address, cancellationToken).ConfigureAwait(false));
            if (gateways.Count == 0) throw new InputException("--cluster needs HOST:PORT (one gateway, or several separated by commas)");
            // A CLI talking to a cluster that is not there should say so in seconds, in one line: retry the
            // first connection for a few seconds only, and keep Orleans' own connection errors off the console.
            var giveUpAt = DateTime.UtcNow + ConnectBudget;
            builder.Logging.AddFilter("Orleans", LogLevel.Critical);
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
            builder.UseOrleansClient(client => client
                .UseStaticClustering([.. gateways])
                .Configure<ClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = options.ServiceId; })
                .UseConnectionRetryFilter(async (_, ct) =>
                {
                    if (DateTime.UtcNow >= giveUpAt) return false;
                    await Task.Delay(500, ct).ConfigureAwait(false);
                    return true;
                }));
        }

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            host.Dispose();
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) throw;
            throw new ClusterUnavailableException(options.ClusterAddress is null
                ? $"cannot start the embedded silo: {e.Message}"
                : $"cannot connect to the cluster at {options.ClusterAddress} (cluster id '{options.ClusterId}'; no gateway answered within {ConnectBudget.TotalSeconds:F0} s; "
                  + $"set Orleans__ClusterId if the silos run with another --cluster-id): {e.Message}", e);
        }
        return AnalysisRunner.Create(host.Services.GetRequiredService<IClusterClient>(), host);
    }

    /// <summary>A runner over an existing client (e.g. a test cluster's); disposing it leaves the client alone.</summary>
    public static IAnalysisRunner CreateRunner(IClusterClient client, OrleansRca.Grains.Datasets.IDatasetStore? store = null) => new AnalysisRunner(client, null, store);

    /// <summary>
    /// The silo's clustering and storage for <paramref name="options"/>, plus the grains' services.
    /// <c>localhost</c>: localhost clustering on the given ports + in-memory grain storage "Default".
    /// </summary>
    public static ISiloBuilder ConfigureSilo(ISiloBuilder silo, ServeOptions options, bool embedded = false)
    {
        switch (options.Clustering)
        {
            case ClusteringModes.Localhost:
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, null, options.ServiceId, options.ClusterId);
                silo.AddMemoryGrainStorage(RcaStorage.Name);
                // No reminder service: this one silo holds all state in memory, so a reminder would outlive nothing
                // (no other silo to resume on), yet the in-memory service keeps an entry per analysis (issue 11's soak).
                // No directory cache either: every activation is local, and the cache (up to a million entries by
                // default) only remembered one address per analysis long after its orchestrator was collected.
                silo.Configure<GrainDirectoryOptions>(o => o.CachingStrategy = GrainDirectoryOptions.CachingStrategyType.None);
                if (options.SiloName is { Length: > 0 } name) silo.Configure<SiloOptions>(o => o.SiloName = name);
                break;
            case ClusteringModes.AdoNet:
                silo.UsePostgresCluster(options);
                break;
            default:
                throw new InputException($"--clustering must be '{ClusteringModes.Localhost}' or '{ClusteringModes.AdoNet}', not '{options.Clustering}'");
        }
        silo.AddRcaGrains(lifetime =>
        {
            lifetime.UseReminders = options.Clustering == ClusteringModes.AdoNet;
            if (embedded) lifetime.ComputeSlots = Environment.ProcessorCount;
        });
        return silo;
    }

    /// <summary>
    /// The <c>serve</c> process, built but not started: a silo and the HTTP API (contract section 6) in one
    /// web application. <paramref name="configure"/> can adjust the builder (tests; later telemetry, API keys).
    /// </summary>
    public static WebApplication BuildServer(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        options.Validate();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(RcaHost).Assembly.GetName().Name });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        // "Orleans." (with the dot): the runtime's categories, not this project's "OrleansRca.*".
        builder.Logging.AddFilter("Orleans.", LogLevel.Warning);
        // Orleans hands a stopping silo's work over (deactivations, membership) within its own budget; leave it room.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownBudget);
        if (options.Clustering == ClusteringModes.AdoNet) PostgresCluster.AddPostgres(builder.Services, options);
        // Registered before the grains', so it wins over the process' unbounded store (that one is the CLI's).
        else builder.Services.AddSingleton<OrleansRca.Grains.Datasets.IDatasetStore>(new OrleansRca.Grains.Datasets.InMemoryDatasetStore(options.Service.DatasetStoreBytes));
        builder.UseOrleans(silo => ConfigureSilo(silo, options));
        builder.Services.AddAnalysesApi();
        builder.AddRcaService(options.Service);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRcaService();
        app.MapAnalysesEndpoints();
        return app;
    }

    /// <summary>Runs <see cref="BuildServer"/>'s application until <paramref name="cancellationToken"/> fires or the process is told to stop.</summary>
    public static async Task RunServerAsync(ServeOptions options, CancellationToken cancellationToken)
    {
        var app = BuildServer(options);
        await using (app.ConfigureAwait(false))
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Warnings and errors only, on stderr: a CLI's stdout holds nothing but its JSON document.</summary>
    public static void QuietLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        // Orleans' watchdog measures its own timer's lateness; a short-lived process on a busy 2-core box
        // trips it with figures like "00:23:28" that say nothing about this run.
        logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    private static async Task<IPEndPoint> ResolveAsync(string address, CancellationToken cancellationToken)
    {
        if (IPEndPoint.TryParse(address, out var endpoint) && endpoint.Port != 0) return endpoint;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
            throw new InputException($"--cluster '{address}' must be HOST:PORT (the gateway of a running cluster, e.g. 127.0.0.1:30000)");
        var host = address[..colon];
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new InputException($"--cluster: cannot resolve host '{host}': {e.Message}");
        }
        var ip = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new InputException($"--cluster: host '{host}' has no address");
        return new IPEndPoint(ip, port);
    }

    /// <summary>A TCP port that was free a moment ago on the loopback interface.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class NoConsoleLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The cluster (or the embedded silo) could not be reached or started: one line for the user, exit code 1.</summary>
public sealed class ClusterUnavailableException(string message, Exception inner) : Exception(message, inner);
