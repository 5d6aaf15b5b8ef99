namespace OrleansRca.Cluster.Tests;

/// <summary>The typed API: known fields only, JSON only, an OpenAPI document with real schemas and working examples, metrics.</summary>
public sealed class TypedApiTests(ServerFixture fixture) : ServerTests(fixture)
{
    [Fact]
    public async Task An_unknown_field_is_400_naming_it_with_a_suggestion()
    {
        var request = TestAnalyses.Request(rows: 20);
        request["treatmnet"] = "T1";
        await HttpAssert.ProblemAsync(await Http.PostAsync("/v1/analyses/mediation", Json(request)),
            HttpStatusCode.BadRequest, "unknown field 'treatmnet' (did you mean 'treatment'?) in a mediation request");

        var nested = TestAnalyses.Request(rows: 20);
        nested["model"]!["nodes"]![1]!["rol"] = "mediator";
        nested["model"]!["mechanisms"]!["M1"]!["expresion"] = "T1";
        await HttpAssert.ProblemAsync(await Http.PostAsync("/v1/analyses/mediation", Json(nested)),
            HttpStatusCode.BadRequest, "unknown fields 'model.nodes[1].rol', 'model.mechanisms.M1.expresion'");

        var discovery = JsonNode.Parse(ApiExamples.Request(AnalysisKinds.Discovery))!.AsObject();
        discovery["penalty_"] = 2;
        await HttpAssert.ProblemAsync(await Http.PostAsync("/v1/analyses/discovery", Json(discovery)), HttpStatusCode.BadRequest, "'penalty_' (did you mean 'penalty'?)");
    }

    [Fact]
    public async Task What_the_cli_rejects_before_running_is_rejected_at_submit()
    {
        // The test model's mechanisms are formulas: the linear engine cannot run it (the CLI says so at once too).
        var request = TestAnalyses.Request(rows: 20);
        request["engine"] = "linear";
        await HttpAssert.ProblemAsync(await Http.PostAsync("/v1/analyses/mediation", Json(request)), HttpStatusCode.BadRequest, "linear");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        var response = await Http.PostAsync("/v1/analyses/mediation", new StringContent("model=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        await HttpAssert.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "application/json");
    }

    [Fact]
    public async Task The_openapi_document_has_typed_schemas_problem_responses_and_operations()
    {
        var document = (await Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var schemas = document["components"]!["schemas"]!;

        var mediation = schemas["MediationRequestBody"]!["properties"]!.AsObject();
        foreach (var field in new[] { "model", "data", "treatment", "mediator", "outcome", "treated", "untreated", "engine", "bootstrap", "seed", "confidence", "missing" })
            Assert.True(mediation.ContainsKey(field), $"MediationRequestBody lacks '{field}'");
        Assert.Equal(2, schemas["TableInput"]!["oneOf"]!.AsArray().Count);
        var result = schemas["MediationResultBody"]!["properties"]!.AsObject();
        Assert.True(result.ContainsKey("nie") && result.ContainsKey("effects") && result.ContainsKey("outcome"), result.ToJsonString());
        Assert.Equal(AnalysisKinds.All.Count, schemas["AnalysisDocument"]!["properties"]!["result"]!["oneOf"]!.AsArray().Count);

        foreach (var kind in AnalysisKinds.All)
        {
            var post = document["paths"]![$"/v1/analyses/{kind}"]!["post"]!;
            Assert.NotNull(post["requestBody"]!["content"]!["application/json"]!["example"]);
            foreach (var status in new[] { "202", "400", "401", "413", "415", "429" })
                Assert.True(post["responses"]![status] is not null, $"{kind}: no {status} response");
            Assert.NotNull(post["responses"]!["400"]!["content"]!["application/problem+json"]);
        }
        Assert.NotNull(document["paths"]!["/v1/analyses/{id}"]!["get"]!["responses"]!["404"]);
        Assert.NotNull(document["paths"]!["/healthz"]!["get"]);
        Assert.NotNull(document["paths"]!["/metrics"]!["get"]);
        Assert.NotNull(document["components"]!["securitySchemes"]!["bearer"]);

        var page = await Http.GetAsync(RcaService.ApiPagePath);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Every_documented_example_runs_and_its_result_fits_the_result_schema()
    {
        var document = (await Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        foreach (var kind in AnalysisKinds.All)
        {
            var example = document["paths"]![$"/v1/analyses/{kind}"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]!;
            var done = await HttpAssert.RunAsync(Http, kind, example);
            // Strict: a field the result record lacks would throw, so the schema says what the result holds.
            var typed = done["result"].Deserialize(WireJson.Default.GetTypeInfo(WireTypes.ResultOf(kind))!);
            Assert.NotNull(typed);
        }
    }

    [Fact]
    public async Task Metrics_expose_orleans_and_engine_series_after_an_analysis()
    {
        var post = await Http.PostAsync("/v1/analyses/mediation", Json(TestAnalyses.Request(rows: 100, seed: 4)));
        await HttpAssert.SucceededAsync(Http, post.Headers.Location!);
        // One that fails while running (its figures overflow): bad input, counted as failed.
        var overflow = JsonNode.Parse(ApiExamples.Request(AnalysisKinds.Mediation))!;
        overflow["model"]!["mechanisms"]!["queue"]!["weights"]!["load"] = 1e308;
        var failing = await Http.PostAsync("/v1/analyses/mediation", Json(overflow));
        JsonObject status;
        do status = (await Http.GetFromJsonAsync<JsonObject>(failing.Headers.Location))!;
        while ((string?)status["status"] is "queued" or "running");
        Assert.Equal("bad_input", (string?)status["error"]?["kind"]);

        var response = await Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        foreach (var series in new[] { "rca_analyses_started_total{", "rca_analyses_succeeded_total{", "rca_analysis_duration_seconds_bucket{",
                     "rca_rows_processed_total{", "rca_pairs_processed_total", "rca_analyses_running", "rca_dataset_cache_bytes", "rca_dataset_store_bytes", "rca_dataset_store_datasets", "orleans_" })
            Assert.True(text.Contains(series, StringComparison.Ordinal), $"/metrics lacks {series}");
        Assert.Contains("kind=\"mediation\"", text, StringComparison.Ordinal);
        Assert.Contains("reason=\"bad_input\"", text, StringComparison.Ordinal);

        // Every series the Grafana dashboard queries is exposed.
        var dashboard = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "grafana", "orleans-rca.json"));
        var queried = System.Text.RegularExpressions.Regex.Matches(dashboard, @"\b(?:rca|http_server|aspnetcore|orleans)_[a-z_]+")
            .Select(m => m.Value).Distinct().ToList();
        Assert.True(queried.Count >= 10, string.Join(", ", queried));
        foreach (var series in queried)
            Assert.True(text.Contains(series, StringComparison.Ordinal), $"the dashboard queries {series}, which /metrics lacks");
    }
}
