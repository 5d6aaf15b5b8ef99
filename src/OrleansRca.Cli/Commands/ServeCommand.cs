using System.CommandLine;
using OrleansRca.Hosting;

namespace OrleansRca.Cli.Commands;

/// <summary><c>serve</c>: a silo with the HTTP API (contract section 6) until stopped.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "HTTP listen address(es).", DefaultValueFactory = _ => ServeOptions.DefaultUrls };
        var clustering = new Option<string>("--clustering") { Description = "localhost (embedded, default). adonet (PostgreSQL, contract section 6) is not built yet: it exits with a message.", DefaultValueFactory = _ => ClusteringModes.Localhost };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string for --clustering adonet (not built yet)." };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Client gateway port.", DefaultValueFactory = _ => 30000 };
        var clusterId = new Option<string>("--cluster-id") { Description = "Cluster id.", DefaultValueFactory = _ => RcaHost.DefaultClusterId };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = $"File whose first line is the API key every /v1 request must send as 'Authorization: Bearer KEY' (default: the {ServiceOptions.ApiKeyVariable} variable; neither: no key)." };
        var maxBody = new Option<long>("--max-request-bytes") { Description = "Larger request bodies are refused with 413.", DefaultValueFactory = _ => ServeOptions.DefaultMaxRequestBodyBytes };
        var defaults = new ServiceOptions();
        var rateLimit = new Option<int>("--rate-limit") { Description = "Requests per second each client address may make to /v1 (bursts of twice that); 0: no limit. Above it: 429 with Retry-After.", DefaultValueFactory = _ => defaults.RateLimitPerSecond };
        var maxNodes = new Option<int>("--max-model-nodes") { Description = "Most nodes a model may have.", DefaultValueFactory = _ => defaults.MaxModelNodes };
        var maxFormula = new Option<int>("--max-formula-length") { Description = "Most characters a formula mechanism may have.", DefaultValueFactory = _ => defaults.MaxFormulaLength };
        var maxRows = new Option<long>("--max-rows") { Description = "Most rows a table of an analysis may have.", DefaultValueFactory = _ => defaults.MaxRows };
        var sampling = new Option<double>("--trace-sampling") { Description = "Share of traces recorded (0..1); exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.", DefaultValueFactory = _ => defaults.TraceSampling };
        var format = CommonOptions.Format();
        var command = new Command("serve", "Run a silo with the HTTP API until stopped (Ctrl+C).");
        foreach (var o in new Option[] { urls, clustering, connection, siloPort, gatewayPort, clusterId, apiKeyFile, maxBody, rateLimit, maxNodes, maxFormula, maxRows, sampling, format }) command.Options.Add(o);
        command.SetAction((parse, ct) => CliExit.RunAsync(async token =>
        {
            var options = new ServeOptions
            {
                Urls = parse.GetValue(urls)!,
                Clustering = parse.GetValue(clustering)!,
                Connection = parse.GetValue(connection),
                SiloPort = parse.GetValue(siloPort),
                GatewayPort = parse.GetValue(gatewayPort),
                ClusterId = parse.GetValue(clusterId)!,
                MaxRequestBodyBytes = parse.GetValue(maxBody),
                Service = new ServiceOptions
                {
                    ApiKey = ServiceOptions.ReadApiKey(parse.GetValue(apiKeyFile)),
                    RateLimitPerSecond = parse.GetValue(rateLimit),
                    MaxModelNodes = parse.GetValue(maxNodes),
                    MaxFormulaLength = parse.GetValue(maxFormula),
                    MaxRows = parse.GetValue(maxRows),
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
