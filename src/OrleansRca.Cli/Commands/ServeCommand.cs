using System.CommandLine;
using OrleansRca.Hosting;

namespace OrleansRca.Cli.Commands;

/// <summary><c>serve</c>: a silo with the HTTP API (contract section 6) until stopped.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "HTTP listen address(es).", DefaultValueFactory = _ => ServeOptions.DefaultUrls };
        var clustering = new Option<string>("--clustering") { Description = "localhost (embedded, default) or adonet (PostgreSQL).", DefaultValueFactory = _ => ClusteringModes.Localhost };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string for --clustering adonet." };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Client gateway port.", DefaultValueFactory = _ => 30000 };
        var clusterId = new Option<string>("--cluster-id") { Description = "Cluster id.", DefaultValueFactory = _ => RcaHost.DefaultClusterId };
        var format = CommonOptions.Format();
        var command = new Command("serve", "Run a silo with the HTTP API until stopped (Ctrl+C).");
        foreach (var o in new Option[] { urls, clustering, connection, siloPort, gatewayPort, clusterId, format }) command.Options.Add(o);
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
            };
            options.Validate();
            await RcaHost.RunServerAsync(options, token);
            return CliExit.Ok;
        }, ct));
        return command;
    }
}
