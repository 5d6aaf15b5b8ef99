namespace OrleansRca.Cluster.Tests.Postgres;

/// <summary>
/// One <c>rca serve --clustering adonet</c> process on 127.0.0.1 (the CLI built beside the tests), its output
/// kept for failure messages. Disposing kills it if it still runs; nothing else is ever killed.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public SiloProcess(string name, string connection, string clusterId)
    {
        Name = name;
        Connection = connection;
        ClusterId = clusterId;
        HttpPort = OrleansRca.Hosting.RcaHost.FreeTcpPort();
        SiloPort = OrleansRca.Hosting.RcaHost.FreeTcpPort();
        GatewayPort = OrleansRca.Hosting.RcaHost.FreeTcpPort();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }

    public string Connection { get; }

    public string ClusterId { get; }

    public int HttpPort { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public HttpClient Http { get; }

    public bool IsRunning => _process is { HasExited: false };

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts (or restarts, on the same ports) the process.</summary>
    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException($"{Name} is running");
        var rca = Path.Combine(AppContext.BaseDirectory, "rca.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            rca, "serve", "--clustering", "adonet", "--connection", Connection, "--cluster-id", ClusterId,
            "--urls", $"http://127.0.0.1:{HttpPort}", "--silo-port", SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--advertise", "127.0.0.1", "--silo-name", Name,
        }) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        _process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Name}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits until <c>/healthz</c> answers 200, or fails with the process' output.</summary>
    public async Task WaitHealthyAsync(TimeSpan budget)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < budget)
        {
            if (!IsRunning) throw new InvalidOperationException($"{Name} exited with {_process?.ExitCode}:\n{Output}");
            try
            {
                using var response = await Http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not healthy within {budget.TotalSeconds:F0} s:\n{Output}");
    }

    /// <summary>SIGKILL: no graceful shutdown, as when a machine dies.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: false);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM: the graceful stop a container runtime sends first.</summary>
    public void Terminate()
    {
        if (_process is { HasExited: false } p) _ = sys_kill(p.Id, 15);
    }

    public bool WaitForExit(TimeSpan budget) => _process is null || _process.WaitForExit(budget);

    public int ExitCode => _process?.ExitCode ?? throw new InvalidOperationException($"{Name} never started");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int sys_kill(int pid, int signal);

    public Task<HttpResponseMessage> PostJsonAsync(string path, System.Text.Json.Nodes.JsonNode body) =>
        Http.PostAsync(path, Json(body));

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        Http.Dispose();
        await Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine($"[{Name}] {line}");
    }
}
