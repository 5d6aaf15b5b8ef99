using Microsoft.Extensions.Configuration;
using OrleansRca.Hosting;
using OrleansRca.Hosting.Postgres;

namespace OrleansRca.Cli.Commands;

/// <summary><c>serve</c>: a silo with the HTTP API (contract section 6) until stopped.</summary>
public static class ServeCommand
{
    /// <summary>The verb: the one long-lived process the CLI runs (the others are one analysis each).</summary>
    public const string Name = "serve";

    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = $"HTTP listen address(es), ';'-separated [default: {ServeOptions.DefaultUrls}; or Urls / ASPNETCORE_URLS]." };
        var clustering = new Option<string>("--clustering") { Description = "localhost (one process, in-memory state; the default) or adonet (a cluster of processes on PostgreSQL: membership, grain state, reminders, datasets) [default: adonet when a connection string is given (--connection or Orleans__ConnectionString), else localhost]." };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string for --clustering adonet, e.g. \"Host=127.0.0.1;Username=rca;Password=...;Database=rca\"; the schema is created when missing [or Orleans__ConnectionString]." };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port [default: 11111; or Orleans__SiloPort]." };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Client gateway port (rca --cluster HOST:PORT) [default: 30000; or Orleans__GatewayPort]." };
        var clusterId = new Option<string>("--cluster-id") { Description = $"Cluster id: silos with the same id and database form one cluster [default: {RcaHost.DefaultClusterId}; or Orleans__ClusterId]." };
        var advertise = new Option<string?>("--advertise") { Description = "Address other silos reach this one at (adonet; e.g. a pod IP) [default: the first non-loopback IPv4 address; or Orleans__AdvertisedIPAddress]." };
        var siloName = new Option<string?>("--silo-name") { Description = "This silo's name in the membership table [or Orleans__SiloName]." };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = $"File whose first line is the API key every /v1 request must send as 'Authorization: Bearer KEY' [default: the {ServiceOptions.ApiKeyVariable} variable; neither: no key]." };
        var maxBody = new Option<long>("--max-request-bytes") { Description = $"Larger request bodies are refused with 413 [default: {ServeOptions.DefaultMaxRequestBodyBytes}]." };
        var defaults = new ServiceOptions();
        var rateLimit = new Option<int>("--rate-limit") { Description = "Requests per second each client address may make to /v1 (bursts of twice that); 0: no limit. Above it: 429 with Retry-After.", DefaultValueFactory = _ => defaults.RateLimitPerSecond };
        var maxNodes = new Option<int>("--max-model-nodes") { Description = "Most nodes a model may have.", DefaultValueFactory = _ => defaults.MaxModelNodes };
        var maxFormula = new Option<int>("--max-formula-length") { Description = "Most characters a formula mechanism may have.", DefaultValueFactory = _ => defaults.MaxFormulaLength };
        var maxRows = new Option<long>("--max-rows") { Description = "Most rows a table may have, inline in an analysis (400) or uploaded to /v1/datasets (413).", DefaultValueFactory = _ => defaults.MaxRows };
        var retention = new Option<TimeSpan>("--retention") { Description = "How long a finished analysis is kept before its id answers 404, e.g. 1.00:00:00 (a day) or 00:10:00 [or Rca__Retention].", DefaultValueFactory = _ => defaults.Retention };
        var storeBytes = new Option<long>("--dataset-store-bytes") { Description = "Bytes of dataset columns the in-memory store keeps (localhost clustering); past it, tables sent inline with finished analyses go first, then uploads least recently used; an upload that cannot fit beside running analyses' tables gets 413 [or Rca__DatasetStoreBytes].", DefaultValueFactory = _ => defaults.DatasetStoreBytes };
        var cacheBytes = new Option<long>("--dataset-cache-bytes") { Description = "Bytes of dataset columns the silo caches for running analyses (least recently used out first) [or Rca__DatasetCacheBytes].", DefaultValueFactory = _ => defaults.DatasetCacheBytes };
        var sampling = new Option<double>("--trace-sampling") { Description = "Share of traces recorded (0..1); exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.", DefaultValueFactory = _ => defaults.TraceSampling };
        var format = CommonOptions.Format();
        var command = new Command(Name, "Run a silo with the HTTP API until stopped (Ctrl+C or SIGTERM). Flags win over configuration (environment variables Orleans__* and Rca__*).")
        {
            urls, clustering, connection, siloPort, gatewayPort, clusterId, advertise, siloName, apiKeyFile, maxBody, rateLimit, maxNodes, maxFormula, maxRows, retention, storeBytes, cacheBytes, sampling, format,
        };
        command.SetAction((parse, ct) => CliExit.RunAsync(async token =>
        {
            var configured = ServeOptions.FromConfiguration(new ConfigurationBuilder().AddEnvironmentVariables().Build());
            T Flag<T>(Option<T> option, T fallback) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : fallback;
            var connectionString = Flag(connection, configured.Connection);
            var options = configured with
            {
                Urls = Flag(urls, configured.Urls),
                // A connection string, from the flag or the environment, means the PostgreSQL cluster unless --clustering says otherwise.
                Clustering = Flag(clustering, connectionString is { Length: > 0 } ? ClusteringModes.AdoNet : configured.Clustering),
                Connection = connectionString,
                SiloPort = Flag(siloPort, configured.SiloPort),
                GatewayPort = Flag(gatewayPort, configured.GatewayPort),
                ClusterId = Flag(clusterId, configured.ClusterId),
                AdvertisedAddress = Flag(advertise, configured.AdvertisedAddress),
                SiloName = Flag(siloName, configured.SiloName),
                MaxRequestBodyBytes = Flag(maxBody, configured.MaxRequestBodyBytes),
                Service = configured.Service with
                {
                    ApiKey = ServiceOptions.ReadApiKey(parse.GetValue(apiKeyFile)),
                    RateLimitPerSecond = parse.GetValue(rateLimit),
                    MaxModelNodes = parse.GetValue(maxNodes),
                    MaxFormulaLength = parse.GetValue(maxFormula),
                    MaxRows = parse.GetValue(maxRows),
                    Retention = Flag(retention, configured.Service.Retention),
                    DatasetStoreBytes = Flag(storeBytes, configured.Service.DatasetStoreBytes),
                    DatasetCacheBytes = Flag(cacheBytes, configured.Service.DatasetCacheBytes),
                    TraceSampling = parse.GetValue(sampling),
                },
            };
            options.Validate();
            try
            {
                await RcaHost.RunServerAsync(options, token);
            }
            catch (Exception e) when (AddressInUse(e))
            {
                // A busy port is the user's to fix, not a crash: one line, exit 1.
                Console.Error.WriteLine($"error: cannot serve on {options.Urls} (silo port {options.SiloPort}, gateway port {options.GatewayPort}): "
                    + "an address is already in use; is another server running? Choose other --urls, --silo-port or --gateway-port.");
                return CliExit.Failure;
            }
            catch (ClusterStorageException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return CliExit.Failure;
            }
            return CliExit.Ok;
        }, ct));
        return command;
    }

    /// <summary>Whether <paramref name="e"/> is, or wraps, an address-in-use failure (Kestrel wraps it in an IOException, Orleans in its own).</summary>
    private static bool AddressInUse(Exception? e) => e switch
    {
        null => false,
        System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } => true,
        _ when e.GetType().Name == "AddressInUseException" => true,
        AggregateException a => a.InnerExceptions.Any(AddressInUse),
        _ => AddressInUse(e.InnerException),
    };
}
