namespace OrleansRca.Cluster.Tests;

/// <summary><c>POST /v1/analyses/marginals</c> and <c>/v1/analyses/disentanglement</c> on the <c>serve</c> process.</summary>
public sealed class DiscreteHttpTests(ServerFixture fixture) : ServerTests(fixture)
{
    [Fact]
    public async Task Marginals_post_answers_202_and_polling_gives_the_verbs_document()
    {
        var request = TestDiscrete.Marginals(TestDiscrete.Bif("asia"), "smoke=yes");

        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Marginals, request);

        // Oracle: ExactInference in this process (what `marginals --format json` prints); tolerance 1e-12 relative.
        JsonAssert.Equal(TestDiscrete.CoreResult(AnalysisKinds.Marginals, request), document["result"]);
        Assert.Equal(1.0, (double)document["result"]!["marginals"]!["smoke"]!["yes"]!);
    }

    [Fact]
    public async Task Disentanglement_post_answers_202_and_polling_gives_the_verbs_document()
    {
        var request = TestDiscrete.Disentanglement(TestDiscrete.Alarm, TestDiscrete.AlarmMixture(12, 21));

        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Disentanglement, request);

        // Oracle: MixtureSolver.Solve in this process (what `disentangle --format json` prints); tolerance 1e-12 relative.
        JsonAssert.Equal(TestDiscrete.CoreResult(AnalysisKinds.Disentanglement, request), document["result"]);
    }

    [Theory]
    [MemberData(nameof(DiscreteClusterTests.BadInputs), MemberType = typeof(DiscreteClusterTests))]
    public async Task Bad_input_is_400_problem_json_naming_the_problem(string kind, string problem, string mention)
    {
        var response = await Http.PostAsync($"/v1/analyses/{kind}", Json(DiscreteClusterTests.BadRequest(kind, problem)));

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, mention);
    }

    [Fact]
    public async Task Malformed_json_is_400_problem_json()
    {
        var response = await Http.PostAsync("/v1/analyses/disentanglement", Json("{\"network\": \"net"));

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "not valid JSON");
    }
}
