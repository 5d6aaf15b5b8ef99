using Microsoft.Extensions.Configuration;
using OrleansRca.Cluster.Tests.Cli;
using OrleansRca.Hosting.Postgres;

namespace OrleansRca.Cluster.Tests.Postgres;

/// <summary><c>serve</c>'s settings from configuration (Orleans__* environment variables) and flags, checked at start-up.</summary>
public sealed class ServeOptionsTests
{
    private static ServeOptions From(params (string Key, string Value)[] settings) =>
        ServeOptions.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void Configuration_binds_the_Orleans_section_and_a_connection_string_selects_the_postgres_cluster()
    {
        var options = From(
            ("Orleans:ConnectionString", "Host=db;Username=rca;Password=p;Database=rca"), ("Orleans:ClusterId", "prod"),
            ("Orleans:SiloPort", "21111"), ("Orleans:GatewayPort", "40000"), ("Orleans:AdvertisedIPAddress", "10.1.2.3"),
            ("Orleans:SiloName", "rca-0"), ("ASPNETCORE_URLS", "http://0.0.0.0:8080"));

        Assert.Equal(ClusteringModes.AdoNet, options.Clustering);
        Assert.Equal(("prod", 21111, 40000, "10.1.2.3", "rca-0", "http://0.0.0.0:8080"),
            (options.ClusterId, options.SiloPort, options.GatewayPort, options.AdvertisedAddress, options.SiloName, options.Urls));
        options.Validate();
        Assert.Equal(ClusteringModes.Localhost, From().Clustering);
    }

    [Fact]
    public void Bad_settings_are_input_errors_naming_the_key_or_flag()
    {
        var port = Assert.Throws<InputException>(() => From(("Orleans:SiloPort", "eleven")));
        Assert.Contains("Orleans__SiloPort", port.Message, StringComparison.Ordinal);
        Assert.Contains("'eleven'", port.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<InputException>(() => new ServeOptions { Clustering = ClusteringModes.AdoNet }.Validate());
        Assert.Contains("--connection", missing.Message, StringComparison.Ordinal);
        var garbled = Assert.Throws<InputException>(() => new ServeOptions { Clustering = ClusteringModes.AdoNet, Connection = "Host=db;Bogus Key=1" }.Validate());
        Assert.Contains("not a valid PostgreSQL connection string", garbled.Message, StringComparison.Ordinal);
        var advertise = Assert.Throws<InputException>(() => new ServeOptions { AdvertisedAddress = "not an address!" }.Validate());
        Assert.Contains("--advertise", advertise.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_bounds_and_retention_bind_from_the_Rca_section_and_bad_values_name_the_key_or_flag()
    {
        var options = From(("Rca:DatasetStoreBytes", "268435456"), ("Rca:DatasetCacheBytes", "67108864"), ("Rca:Retention", "00:05:00"));
        Assert.Equal((268435456L, 67108864L, TimeSpan.FromMinutes(5)),
            (options.Service.DatasetStoreBytes, options.Service.DatasetCacheBytes, options.Service.Retention));
        options.Validate();
        var defaults = From().Service;
        Assert.Equal((1L << 30, 512L << 20), (defaults.DatasetStoreBytes, defaults.DatasetCacheBytes));

        var store = Assert.Throws<InputException>(() => From(("Rca:DatasetStoreBytes", "1GiB")));
        Assert.Contains("Rca__DatasetStoreBytes", store.Message, StringComparison.Ordinal);
        Assert.Contains("'1GiB'", store.Message, StringComparison.Ordinal);
        var retention = Assert.Throws<InputException>(() => From(("Rca:Retention", "soon")));
        Assert.Contains("Rca__Retention", retention.Message, StringComparison.Ordinal);

        var small = Assert.Throws<InputException>(() => new ServeOptions { Service = new ServiceOptions { DatasetCacheBytes = 1000 } }.Validate());
        Assert.Contains("--dataset-cache-bytes (Rca__DatasetCacheBytes) must be at least 1048576, not 1000", small.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pools_are_capped_unless_the_connection_string_sets_its_own_size()
    {
        Assert.Contains($"Maximum Pool Size={PostgresCluster.DefaultMaxPoolSize}", PostgresCluster.WithPoolDefaults("Host=db;Username=u;Password=p"), StringComparison.Ordinal);
        Assert.Equal("Host=db;Max Pool Size=40", PostgresCluster.WithPoolDefaults("Host=db;Max Pool Size=40"));
        Assert.Equal("Host=db;maximum pool size=40", PostgresCluster.WithPoolDefaults("Host=db;maximum pool size=40"));
    }

    [Fact]
    public void Advertised_address_defaults_to_a_non_loopback_address_and_honours_a_configured_one()
    {
        Assert.Equal(System.Net.IPAddress.Parse("10.1.2.3"), PostgresCluster.AdvertisedAddress("10.1.2.3"));
        Assert.Equal(System.Net.IPAddress.Loopback, PostgresCluster.AdvertisedAddress("127.0.0.1"));
        var chosen = PostgresCluster.AdvertisedAddress(null);
        // Loopback only when the machine has no other interface up.
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, chosen.AddressFamily);
    }
}

/// <summary><c>serve</c> refuses a cluster it cannot form before starting anything: exit 2, one line.</summary>
[Collection("console")]
public sealed class ServeCommandClusterTests
{
    [Fact]
    public async Task Serve_adonet_without_a_connection_string_is_exit_2_naming_the_flag()
    {
        var outcome = await CliRunner.RunAsync("serve", "--clustering", "adonet", "--urls", "http://127.0.0.1:1");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--connection", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_with_a_dataset_bound_below_a_megabyte_is_exit_2_naming_the_flag_and_help_lists_the_bounds()
    {
        var outcome = await CliRunner.RunAsync("serve", "--dataset-store-bytes", "4096", "--urls", "http://127.0.0.1:1");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--dataset-store-bytes (Rca__DatasetStoreBytes) must be at least", outcome.Stderr, StringComparison.Ordinal);

        var help = await CliRunner.RunAsync("serve", "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var option in new[] { "--dataset-store-bytes", "--dataset-cache-bytes", "--retention", "--max-rows", "--rate-limit" })
            Assert.Contains(option, help.Stdout, StringComparison.Ordinal);
    }
}
