using Microsoft.AspNetCore.Builder;

namespace OrleansRca.Cluster.Tests;

/// <summary>
/// A <c>serve</c> process (silo + HTTP API) on a real Kestrel bound to 127.0.0.1, port 0, and a client for it: how every
/// HTTP test starts and stops a server, whether a collection shares it or a test class needs its own settings.
/// </summary>
public class ServeProcess(ServeOptions options) : IAsyncLifetime
{
    /// <summary>Free local ports and a cluster id of its own, named after <paramref name="tests"/>.</summary>
    public static ServeOptions LocalOptions(string tests) => new()
    {
        Urls = "http://127.0.0.1:0",
        SiloPort = RcaHost.FreeTcpPort(),
        GatewayPort = RcaHost.FreeTcpPort(),
        ClusterId = $"{tests}-tests-{Guid.NewGuid():N}",
    };

    public ServeOptions Options => options;
    public WebApplication App { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Set-up of the host before it is built; by default only a quiet log.</summary>
    protected virtual void Configure(WebApplicationBuilder builder) => RcaHost.QuietLogging(builder.Logging);

    public async Task InitializeAsync()
    {
        App = RcaHost.BuildServer(options, Configure);
        await App.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(App.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>The <c>serve</c> process most HTTP tests share.</summary>
public sealed class ServerFixture() : ServeProcess(LocalOptions("http") with
{
    // Small, so the 413 test need not send 64 MiB.
    MaxRequestBodyBytes = 1024 * 1024,
});

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>Tests against the shared <see cref="ServerFixture"/> (the collection is inherited by every derived class).</summary>
[Collection(ServerCollection.Name)]
public abstract class ServerTests(ServerFixture server)
{
    protected ServerFixture Server => server;

    protected HttpClient Http => server.Http;
}
