namespace OrleansRca.Cluster.Tests;

/// <summary>Requests of the discrete analyses on the networks shipped under <c>data/bif</c>, and their core results.</summary>
public static class TestDiscrete
{
    public static string Bif(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "bif", name + ".bif"));

    private static readonly Lazy<string> AlarmText = new(() => Bif("alarm"));
    private static readonly Lazy<InterventionalMarginals> AlarmOracle = new(() => new ExactInference(BifReader.Parse(AlarmText.Value)).AllInterventional());

    public static string Alarm => AlarmText.Value;

    public static JsonObject Marginals(string network, string? intervention = null)
    {
        var request = new JsonObject { ["network"] = network };
        if (intervention is not null) request["do"] = intervention;
        return request;
    }

    /// <summary>
    /// A seeded random mixture of <paramref name="interventions"/> interventions on ALARM (the generator of the
    /// DIMM evaluation): its exact marginals, or with <paramref name="samples"/> their estimate from that many rows.
    /// </summary>
    public static JsonObject AlarmMixture(int interventions, int seed, long? samples = null)
    {
        var oracle = AlarmOracle.Value;
        var mix = MixtureGenerator.Random(oracle, interventions, seed);
        var values = samples is { } m ? MixtureGenerator.Sample(oracle.Network, mix.PiPhi, mix.Pi, m, seed) : mix.Marginals;
        return MixtureMarginals.Create(oracle.Network, values, samples).ToJson();
    }

    public static JsonObject Disentanglement(string network, JsonObject mixture, string? method = null)
    {
        var request = new JsonObject { ["network"] = network, ["mixture"] = mixture };
        if (method is not null) request["method"] = method;
        return request;
    }

    /// <summary>The oracle of the cluster tests: the same request run by the core in this process (what the CLI verbs printed before the cluster).</summary>
    public static JsonObject CoreResult(string kind, JsonObject request) => kind switch
    {
        AnalysisKinds.Marginals => MarginalsRequest.Parse(request).Run(),
        AnalysisKinds.Disentanglement => DisentanglementRequest.Parse(request).Run(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>The <c>marginals</c> and <c>disentanglement</c> analyses on the 3-silo test cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DiscreteClusterTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private async Task<(string Id, AnalysisStatus Status)> RunAsync(string kind, JsonObject request)
    {
        var id = GrainKeys.NewAnalysisId();
        var submitted = await fixture.SubmitAsync(id, kind, request.ToJsonString());
        Assert.True(submitted.Stage == AnalysisStage.Queued, $"{submitted.Stage}: {submitted.Error}");
        return (id, await fixture.WaitAsync(id, Timeout));
    }

    private async Task<JsonNode> SucceedAsync(string kind, JsonObject request)
    {
        var (_, status) = await RunAsync(kind, request);
        Assert.True(status.Stage == AnalysisStage.Succeeded, $"{status.Stage}: {status.Error}");
        Assert.Equal(1.0, status.Progress);
        Assert.Equal(kind, status.Kind);
        return JsonNode.Parse(status.ResultJson!)!;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("HYPOVOLEMIA=TRUE")]
    [InlineData("INTUBATION=ESOPHAGEAL")]
    [InlineData("VENTLUNG=LOW")]
    public async Task Marginals_of_alarm_equal_the_core(string? intervention)
    {
        var request = TestDiscrete.Marginals(TestDiscrete.Alarm, intervention);

        var result = await SucceedAsync(AnalysisKinds.Marginals, request);

        // Oracle: ExactInference.Marginals in this process (MarginalsRequest.Run); tolerance 1e-12 relative.
        var expected = TestDiscrete.CoreResult(AnalysisKinds.Marginals, request);
        JsonAssert.Equal(expected, result);
        Assert.Equal(37, result["marginals"]!.AsObject().Count);
        // Same engine, same operations: the numbers are not merely close but the same.
        Assert.Equal(expected.ToJsonString(), result.ToJsonString());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(5, 2)]
    [InlineData(17, 3)]
    [InlineData(40, 4)]
    public async Task Disentanglement_of_a_random_alarm_mixture_equals_the_core(int interventions, int seed)
    {
        var request = TestDiscrete.Disentanglement(TestDiscrete.Alarm, TestDiscrete.AlarmMixture(interventions, seed));

        var result = await SucceedAsync(AnalysisKinds.Disentanglement, request);

        // Oracle: MixtureSolver.Solve on ExactInference.AllInterventional in this process; tolerance 1e-12 relative.
        var expected = TestDiscrete.CoreResult(AnalysisKinds.Disentanglement, request);
        JsonAssert.Equal(expected, result);
        Assert.Equal(expected.ToJsonString(), result.ToJsonString());
        Assert.Equal("exact", (string?)result["method"]);
        Assert.Equal(interventions == 0 ? 1.0 : 0.2, (double)result["pi_phi"]!, 1e-9);
    }

    [Fact]
    public async Task Robust_disentanglement_of_sampled_alarm_marginals_equals_the_core()
    {
        var request = TestDiscrete.Disentanglement(TestDiscrete.Alarm, TestDiscrete.AlarmMixture(9, 7, samples: 100_000));

        var result = await SucceedAsync(AnalysisKinds.Disentanglement, request);

        // Oracle: MixtureSolver.Solve (robust: the file states samples); tolerance 1e-12 relative.
        JsonAssert.Equal(TestDiscrete.CoreResult(AnalysisKinds.Disentanglement, request), result);
        Assert.Equal("robust", (string?)result["method"]);
    }

    [Fact]
    public async Task Node_grains_run_on_more_than_one_silo()
    {
        var (id, status) = await RunAsync(AnalysisKinds.Disentanglement,
            TestDiscrete.Disentanglement(TestDiscrete.Alarm, TestDiscrete.AlarmMixture(10, 9)));
        Assert.True(status.Stage == AnalysisStage.Succeeded, $"{status.Stage}: {status.Error}");

        var network = BifReader.Parse(TestDiscrete.Alarm);
        var silos = new HashSet<string>();
        foreach (var v in network.Variables)
            silos.Add(await fixture.Cluster.Client.GetGrain<IDiscreteNodeGrain>(GrainKeys.Node(id, v.Name)).GetSiloAsync());
        Assert.True(silos.Count > 1, $"all 37 node grains ran on {string.Join(", ", silos)}");
        Assert.All(silos, s => Assert.Contains(fixture.Cluster.Silos, h => h.SiloAddress.ToString() == s));
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_at_submit_fails_without_starting(string kind, string problem, string mention)
    {
        var request = BadRequest(kind, problem);
        var id = GrainKeys.NewAnalysisId();

        var status = await fixture.SubmitAsync(id, kind, request.ToJsonString());

        Assert.Equal(AnalysisStage.Failed, status.Stage);
        Assert.Equal(AnalysisError.BadInput, status.Error?.Kind);
        Assert.Contains(mention, status.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(AnalysisStage.Unknown, (await fixture.Orchestrator(id).GetStatusAsync()).Stage);
        // The runner (CLI and clients) refuses the same request locally with the same message.
        await using var runner = RcaHost.CreateRunner(fixture.Cluster.Client);
        var local = await Assert.ThrowsAsync<InputException>(() => runner.RunAsync(kind, request, null, CancellationToken.None));
        Assert.Equal(status.Error.Message, local.Message);
    }

    /// <summary>Each request of <see cref="BadRequest"/> and what its refusal names (the cluster and HTTP tests check the same).</summary>
    public static readonly TheoryData<string, string, string> BadInputs = new()
    {
        { "marginals", "unknown-state", "has no state 'PERHAPS'" },
        { "marginals", "unknown-node", "unknown node 'NOSUCHNODE'" },
        { "marginals", "no-equals", "NODE=STATE" },
        { "marginals", "broken-bif", "network:" },
        { "marginals", "no-network", "'network'" },
        { "disentanglement", "broken-bif", "network:" },
        { "disentanglement", "unknown-mixture-node", "unknown node 'NOSUCHNODE'" },
        { "disentanglement", "missing-mixture-node", "'HISTORY' is missing" },
        { "disentanglement", "mixture-not-summing-to-1", "not 1" },
        { "disentanglement", "no-mixture", "'mixture'" },
        { "disentanglement", "bad-method", "method must be" },
        { "disentanglement", "robust-without-samples", "number of samples" },
    };

    /// <summary>Requests with one thing wrong, for the cluster, HTTP and CLI tests.</summary>
    public static JsonObject BadRequest(string kind, string problem)
    {
        var mixture = TestDiscrete.AlarmMixture(5, 1);
        JsonObject Marginals(string? network, string? intervention) => TestDiscrete.Marginals(network!, intervention);
        JsonObject WithMixture(Action<JsonObject> change)
        {
            var m = mixture.DeepClone().AsObject();
            change(m["marginals"]!.AsObject());
            return TestDiscrete.Disentanglement(TestDiscrete.Alarm, m);
        }
        var broken = TestDiscrete.Alarm.Replace("variable HISTORY {", "variable HISTORY", StringComparison.Ordinal);
        return (kind, problem) switch
        {
            ("marginals", "unknown-state") => Marginals(TestDiscrete.Alarm, "HYPOVOLEMIA=PERHAPS"),
            ("marginals", "unknown-node") => Marginals(TestDiscrete.Alarm, "NOSUCHNODE=TRUE"),
            ("marginals", "no-equals") => Marginals(TestDiscrete.Alarm, "HYPOVOLEMIA"),
            ("marginals", "broken-bif") => Marginals(broken, null),
            ("marginals", "no-network") => new JsonObject { ["do"] = "HYPOVOLEMIA=TRUE" },
            ("disentanglement", "broken-bif") => TestDiscrete.Disentanglement(broken, mixture),
            ("disentanglement", "unknown-mixture-node") => WithMixture(m => m["NOSUCHNODE"] = new JsonObject { ["TRUE"] = 1.0 }),
            ("disentanglement", "missing-mixture-node") => WithMixture(m => m.Remove("HISTORY")),
            ("disentanglement", "mixture-not-summing-to-1") => WithMixture(m => m["HISTORY"]!["TRUE"] = 0.9),
            ("disentanglement", "no-mixture") => new JsonObject { ["network"] = TestDiscrete.Alarm },
            ("disentanglement", "bad-method") => TestDiscrete.Disentanglement(TestDiscrete.Alarm, mixture, "magic"),
            ("disentanglement", "robust-without-samples") => TestDiscrete.Disentanglement(TestDiscrete.Alarm, mixture, "robust"),
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };
    }

    [Fact]
    public async Task Inconsistent_marginals_found_by_the_node_systems_fail_as_bad_input_with_the_cores_message()
    {
        // Every root of ALARM put on its least likely state: each root's system alone is solvable, but
        // the proportions add up past 1, which only the assembly in topological order finds.
        var network = BifReader.Parse(TestDiscrete.Alarm);
        var oracle = new ExactInference(network).Marginals();
        var mixture = new JsonObject();
        foreach (var v in network.Variables)
        {
            var rare = v.Parents.Count == 0 ? Array.IndexOf(oracle[v.Index], oracle[v.Index].Min()) : -1;
            var states = new JsonObject();
            for (var k = 0; k < v.Cardinality; k++) states[v.States[k]] = rare < 0 ? oracle[v.Index][k] : k == rare ? 1.0 : 0.0;
            mixture[v.Name] = states;
        }
        var request = TestDiscrete.Disentanglement(TestDiscrete.Alarm, new JsonObject { ["marginals"] = mixture });
        var core = Assert.Throws<InputException>(() => TestDiscrete.CoreResult(AnalysisKinds.Disentanglement, request));

        var (_, status) = await RunAsync(AnalysisKinds.Disentanglement, request);

        Assert.Equal(AnalysisStage.Failed, status.Stage);
        Assert.Equal(AnalysisError.BadInput, status.Error?.Kind);
        Assert.Equal(core.Message, status.Error!.Message);
        Assert.Contains("inconsistent", core.Message, StringComparison.Ordinal);
    }
}
