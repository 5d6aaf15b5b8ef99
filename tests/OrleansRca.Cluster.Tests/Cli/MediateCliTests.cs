namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>The mediate verb through the contract: exit codes, messages naming the problem, the JSON document.</summary>
[Collection("console")]
public sealed class MediateCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rca-cli-").FullName;

    private const string Model = """
        {"name":"series","nodes":[{"name":"T","role":"treatment"},{"name":"M1","role":"mediator"},{"name":"M2","role":"mediator"},{"name":"O","role":"outcome"}],
         "edges":[["T","M1"],["M1","M2"],["M2","O"],["T","O"]],
         "mechanisms":{"M1":{"kind":"linear","intercept":0,"weights":{"T":2}},"M2":{"kind":"formula","expression":"tanh(M1) + 0.5"},
                       "O":{"kind":"linear","intercept":0,"weights":{"M2":3,"T":1}}}}
        """;

    private const string Data = "T,M1,M2,O\n1,2.1,1.4,5.3\n0.5,0.9,1.2,4.0\n2,4.2,1.6,7.1\n1.5,2.8,1.3,5.5\n";

    public MediateCliTests()
    {
        File.WriteAllText(Path.Combine(_dir, "model.json"), Model);
        File.WriteAllText(Path.Combine(_dir, "data.csv"), Data);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string F(string name) => Path.Combine(_dir, name);

    private async Task<CliRunner.Outcome> Mediate(string model, string data, params string[] extra) =>
        await CliRunner.RunAsync(["mediate", "--model", model, "--data", data, "--format", "json", .. extra]);

    private async Task ExpectBadInput(string modelText, string dataText, string mention, params string[] extra)
    {
        File.WriteAllText(F("m.json"), modelText);
        File.WriteAllText(F("d.csv"), dataText);
        var outcome = await Mediate(F("m.json"), F("d.csv"), extra);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(mention, outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact] public Task Cycle() => ExpectBadInput(Model.Replace("[\"T\",\"O\"]", "[\"T\",\"O\"],[\"O\",\"T\"]"), Data, "cycle");
    [Fact] public Task SelfLoop() => ExpectBadInput(Model.Replace("[\"T\",\"O\"]", "[\"T\",\"O\"],[\"O\",\"O\"]"), Data, "self-loop");
    [Fact] public Task UnknownNode() => ExpectBadInput(Model.Replace("[\"T\",\"O\"]", "[\"T\",\"O\"],[\"ghost\",\"O\"]"), Data, "'ghost'");
    [Fact] public Task FormulaNonParent() => ExpectBadInput(Model.Replace("tanh(M1) + 0.5", "tanh(M1) + T"), Data, "not a parent");
    [Fact] public Task FormulaMethodCall() => ExpectBadInput(Model.Replace("tanh(M1) + 0.5", "M1.GetType()"), Data, "unexpected '.'");
    [Fact] public Task FormulaUnknownFunction() => ExpectBadInput(Model.Replace("tanh(M1) + 0.5", "eval(M1)"), Data, "'eval'");
    [Fact] public Task MissingColumn() => ExpectBadInput(Model, "T,M1,M2\n1,2,3\n", "no column 'O'");
    [Fact] public Task NonNumericCell() => ExpectBadInput(Model, "T,M1,M2,O\n1,2,x,3\n", "column 'M2', row 1");
    [Fact] public Task NaNCell() => ExpectBadInput(Model, "T,M1,M2,O\n1,2,NaN,3\n", "column 'M2', row 1");
    [Fact] public Task InfinityCell() => ExpectBadInput(Model, "T,M1,M2,O\n1,2,-Infinity,3\n", "column 'M2', row 1");
    [Fact] public Task EmptyData() => ExpectBadInput(Model, "T,M1,M2,O\n", "no data rows");
    [Fact] public Task MalformedSpec() => ExpectBadInput(Model, Data, "+fifty%", "--treated", "+fifty%");
    [Fact] public Task UnknownTreatment() => ExpectBadInput(Model, Data, "'Z'", "--treatment", "Z");
    [Fact] public Task MalformedModelJson() => ExpectBadInput("{ not json", Data, "not valid JSON");

    [Fact]
    public Task CollinearParentsInAFit() => ExpectBadInput(
        """{"nodes":[{"name":"A","role":"treatment"},{"name":"B"},{"name":"C","role":"mediator"},{"name":"O","role":"outcome"}],"edges":[["A","C"],["B","C"],["C","O"]]}""",
        "A,B,C,O\n1,2,1,1\n2,4,3,2\n3,6,2,3\n4,8,5,1\n5,10,3,2\n", "collinear");

    /// <summary>Oracle: the core engine on the same files; the CLI goes through an embedded silo.</summary>
    [Fact]
    public async Task JsonDocumentEqualsTheCore()
    {
        var outcome = await Mediate(F("model.json"), F("data.csv"), "--treated", "-20%");
        Assert.Equal(0, outcome.ExitCode);
        var model = OrleansRca.Causal.Models.ModelFile.Parse(Model);
        var expected = OrleansRca.Causal.Mediation.MediationEngine.Run(model, OrleansRca.Causal.Data.CsvData.ParseFor(model, Data),
            new OrleansRca.Causal.Mediation.MediationOptions { Treated = OrleansRca.Causal.Counterfactuals.InterventionSpec.Parse("-20%") });
        var json = outcome.Json;
        Assert.Equal("O", (string?)json["outcome"]);
        Assert.Equal(4, (int)json["rows"]!);
        foreach (var p in expected.Nie)
        {
            var got = json["nie"]!.AsArray().Single(x => (string?)x!["treatment"] == p.Treatment && (string?)x!["mediator"] == p.Mediator)!;
            Assert.Equal(p.Mean, (double)got["mean"]!, 1e-12);
            Assert.Equal(p.Total, (double)got["total"]!, 1e-12);
        }
        var effect = json["effects"]!.AsArray().Single()!;
        Assert.Equal(expected.Effects[0].TeMean, (double)effect["te_mean"]!, 1e-12);
        Assert.Equal(expected.Effects[0].NdeTotal, (double)effect["nde_total"]!, 1e-12);
    }

    [Fact]
    public async Task AnalyzeWritesTheReport()
    {
        var report = F("report");
        var outcome = await CliRunner.RunAsync("analyze", Path.Combine("samples", "late-deliveries"), "--rows", "600", "--bootstrap", "10", "--out", report, "--format", "json");
        Assert.Equal(0, outcome.ExitCode);
        Assert.All(outcome.Json["nie"]!.AsArray(), p => Assert.True((double)p!["mean"]! < 0));
        Assert.Equal(10, (int)outcome.Json["bootstrap"]!);
        foreach (var file in new[] { "result.json", "nie.png", "dag.svg", "dag.dot", "report.md" })
            Assert.True(new FileInfo(Path.Combine(report, file)).Length > 100, file);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(report, "nie.png")).Take(4));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(report, "dag.svg")));
    }

    [Fact]
    public async Task MissingFile()
    {
        var outcome = await Mediate(F("nope.json"), F("data.csv"));
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("nope.json", outcome.Stderr);
    }

    [Fact]
    public async Task MissingRequiredOption()
    {
        var outcome = await CliRunner.RunAsync("mediate", "--model", F("model.json"));
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--data", outcome.Stderr);
    }

    [Fact]
    public async Task A_parquet_file_gives_the_same_document_as_its_csv()
    {
        var names = new[] { "T", "M1", "M2", "O" };
        var rows = Data.Trim().Split('\n').Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var fields = names.Select(n => new Parquet.Schema.DataField<double>(n)).ToArray();
        await using (var file = File.Create(F("data.parquet")))
        await using (var writer = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(fields), file))
        {
            using var group = writer.CreateRowGroup();
            for (var c = 0; c < names.Length; c++)
                await group.WriteAsync<double>(fields[c], rows.Select(r => r[c]).ToArray().AsMemory());
        }

        var csv = await Mediate(F("model.json"), F("data.csv"));
        var parquet = await Mediate(F("model.json"), F("data.parquet"));

        Assert.Equal(0, parquet.ExitCode);
        Assert.Equal(csv.Stdout, parquet.Stdout);
    }

    [Fact]
    public async Task A_gap_is_named_by_column_and_row_unless_missing_says_how_to_fill_it()
    {
        File.WriteAllText(F("gaps.csv"), Data.Replace("0.9,1.2", "0.9,", StringComparison.Ordinal).Replace(",4.0\n", ",1.2,4.0\n", StringComparison.Ordinal));
        var refused = await Mediate(F("model.json"), F("gaps.csv"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("column 'M2', row 2 is empty", refused.Stderr, StringComparison.Ordinal);

        var filled = await Mediate(F("model.json"), F("gaps.csv"), "--missing", "drop");
        Assert.Equal(0, filled.ExitCode);
        Assert.Equal(3, (int)filled.Json["rows"]!);

        Assert.Equal(2, (await Mediate(F("model.json"), F("gaps.csv"), "--missing", "zero")).ExitCode);
    }

    [Fact]
    public async Task Logs_are_quiet_by_default_and_verbose_adds_the_phases()
    {
        var quiet = await Mediate(F("model.json"), F("data.csv"));
        Assert.Equal(0, quiet.ExitCode);
        Assert.Equal("", quiet.Stderr);

        var verbose = await Mediate(F("model.json"), F("data.csv"), "--verbose");
        Assert.Equal(0, verbose.ExitCode);
        foreach (var phase in new[] { "data read into columns", "validated", "silo started", "analysis", "silo stopped" })
            Assert.Contains($"timing: {phase}", verbose.Stderr, StringComparison.Ordinal);
        // Standard output still holds exactly the one JSON document.
        Assert.Equal(quiet.Json["nie"]!.ToJsonString(), verbose.Json["nie"]!.ToJsonString());
    }

    [Fact]
    public async Task Bare_rca_prints_the_usage_and_a_typo_gets_a_suggestion()
    {
        var bare = await CliRunner.RunAsync();
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("mediate", bare.Stderr, StringComparison.Ordinal);
        Assert.Contains("Usage", bare.Stderr, StringComparison.Ordinal);

        var verb = await CliRunner.RunAsync("medate", "--model", F("model.json"));
        Assert.Equal(2, verb.ExitCode);
        Assert.Contains("did you mean 'mediate'?", verb.Stderr, StringComparison.Ordinal);

        var option = await CliRunner.RunAsync("mediate", "--modle", F("model.json"), "--data", F("data.csv"));
        Assert.Equal(2, option.ExitCode);
        Assert.Contains("did you mean '--model'?", option.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_that_does_not_answer_is_one_line_within_seconds()
    {
        var port = OrleansRca.Hosting.RcaHost.FreeTcpPort(); // free a moment ago: nothing listens there
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var outcome = await Mediate(F("model.json"), F("data.csv"), "--cluster", $"127.0.0.1:{port}");

        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal("", outcome.Stdout);
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains($"cannot connect to the cluster at 127.0.0.1:{port}", lines[0], StringComparison.Ordinal);
        // It used to retry for minutes, printing stack traces.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Serve_on_a_busy_port_is_one_line_and_exit_1()
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;

        var outcome = await CliRunner.RunAsync("serve", "--urls", $"http://127.0.0.1:{port}",
            "--silo-port", OrleansRca.Hosting.RcaHost.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", OrleansRca.Hosting.RcaHost.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cluster-id", $"busy-{Guid.NewGuid():N}");

        Assert.Equal(1, outcome.ExitCode);
        var error = outcome.Stderr.Split('\n').Single(l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains($"cannot serve on http://127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Contains("already in use", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_takes_format_json_and_refuses_zero_rows()
    {
        var truth = Path.Combine("samples", "late-deliveries", "truth.json");

        var outcome = await CliRunner.RunAsync("generate", "--model", truth, "--rows", "7", "--seed", "3", "--out", F("g.csv"), "--format", "json");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(7, (int)outcome.Json["rows"]!);
        Assert.Equal(8, File.ReadAllLines(F("g.csv")).Length);
        Assert.Equal(2, (await CliRunner.RunAsync("generate", "--model", truth, "--rows", "0", "--out", F("g.csv"))).ExitCode);
    }
}
