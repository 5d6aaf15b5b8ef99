using Xunit.Abstractions;

namespace OrleansRca.Cluster.Tests.Postgres;

/// <summary>
/// Issue 7's proof with real processes: three <c>rca serve --clustering adonet</c> silos on one PostgreSQL
/// database, analyses submitted over HTTP to all of them, one silo killed with SIGKILL mid-way.
/// </summary>
[Collection("postgres")]
public sealed class PostgresClusterTests(ITestOutputHelper output)
{
    private const int Analyses = 30;
    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(120);

    [PostgresFact]
    public async Task Three_silo_processes_lose_no_work_when_one_is_killed_and_the_killed_one_rejoins()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var clusterId = $"rca-test-{Guid.NewGuid():N}"[..17];
        await using var a = new SiloProcess("silo-a", database.ConnectionString, clusterId);
        await using var b = new SiloProcess("silo-b", database.ConnectionString, clusterId);
        await using var c = new SiloProcess("silo-c", database.ConnectionString, clusterId);
        var clock = Stopwatch.StartNew();
        try
        {
            // Started together on an empty database: one of them creates the schema, once.
            foreach (var silo in new[] { a, b, c }) silo.Start();
            await Task.WhenAll(a.WaitHealthyAsync(StartBudget), b.WaitHealthyAsync(StartBudget), c.WaitHealthyAsync(StartBudget));
            await WaitForActiveSilosAsync(database, clusterId, 3);
            output.WriteLine($"{clock.Elapsed}: three silos active");
            Assert.Equal(1, await database.ScalarAsync("SELECT count(*) FROM rca_schema_history"));

            // The data goes to silo A once; every analysis names it.
            var requests = Enumerable.Range(0, 3).Select(Request).ToArray();
            var upload = await a.Http.PostAsync("/v1/datasets", Csv(requests[0]["data"]!.GetValue<string>()));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            var datasetId = (await upload.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            var expected = requests.Select(TestAnalyses.CoreResult).ToArray();
            JsonObject ByReference(int variant)
            {
                var request = requests[variant].DeepClone().AsObject();
                request["data"] = new JsonObject { ["dataset"] = datasetId };
                return request;
            }

            // 30 analyses, submitted round robin to the three silos.
            var silos = new[] { a, b, c };
            var ids = new string[Analyses];
            await Parallel.ForAsync(0, Analyses, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, _) =>
            {
                var response = await silos[i % 3].PostJsonAsync("/v1/analyses/mediation", ByReference(i % 3));
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"submit {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                ids[i] = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            });
            output.WriteLine($"{clock.Elapsed}: {Analyses} analyses submitted");

            // Kill silo A (which received the data) once a few analyses are done and the rest are not.
            var results = new JsonObject?[Analyses];
            await PollAsync([a, b, c], ids, results, until: () => results.Count(r => r is not null) >= 3);
            var doneAtKill = results.Count(r => r is not null);
            a.Kill();
            var killedAt = clock.Elapsed;
            output.WriteLine($"{killedAt}: SIGKILL to silo A with {doneAtKill} of {Analyses} analyses finished");
            Assert.True(doneAtKill < Analyses, "every analysis finished before the kill; make them longer");

            await PollAsync([b, c], ids, results, until: () => results.All(r => r is not null));
            var recovered = clock.Elapsed - killedAt;
            output.WriteLine($"{clock.Elapsed}: all {Analyses} finished, {recovered.TotalSeconds:F1} s after the kill");
            for (var i = 0; i < Analyses; i++)
            {
                Assert.True(results[i]!["status"]!.GetValue<string>() == "succeeded", $"analysis {i}: {results[i]!.ToJsonString()}");
                JsonAssert.Equal(expected[i % 3], results[i]!["result"]);
            }
            // The time from the kill to the last result (target: under 30 s) is reported, not asserted: the
            // machines are shared and noisy. docs/benchmarks.md records measured runs.

            // The dataset outlived the silo that received it: silo B serves a new analysis over it.
            var late = await b.PostJsonAsync("/v1/analyses/mediation", ByReference(1));
            Assert.Equal(HttpStatusCode.Accepted, late.StatusCode);
            var lateId = (await late.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            var lateResult = new JsonObject?[1];
            await PollAsync([b, c], [lateId], lateResult, until: () => lateResult[0] is not null);
            JsonAssert.Equal(expected[1], lateResult[0]!["result"]);

            // Silo A restarts on the same ports, rejoins, and takes work again.
            a.Start();
            await a.WaitHealthyAsync(StartBudget);
            await WaitForActiveSilosAsync(database, clusterId, 3);
            output.WriteLine($"{clock.Elapsed}: silo A rejoined");
            var before = await ActivationsOnAsync(a);
            var again = new string[6];
            for (var i = 0; i < again.Length; i++)
            {
                var response = await a.PostJsonAsync("/v1/analyses/mediation", ByReference(i % 3));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                again[i] = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            }
            var againResults = new JsonObject?[again.Length];
            await PollAsync([a, b, c], again, againResults, until: () => againResults.Any(r => r is not null));
            var after = await ActivationsOnAsync(a);
            output.WriteLine($"{clock.Elapsed}: grain activations of the project on the rejoined silo A: {before} before, {after} after");
            Assert.True(after > before, "the rejoined silo hosted none of the new analyses' grains");

            // A graceful stop (SIGTERM, as Kubernetes stops a pod) mid-batch: silo B leaves, its work is finished by A and C.
            var stopping = Stopwatch.StartNew();
            b.Terminate();
            await PollAsync([a, c], again, againResults, until: () => againResults.All(r => r is not null));
            output.WriteLine($"{clock.Elapsed}: after SIGTERM to silo B ({(b.IsRunning ? "still stopping" : "exited")}), all {again.Length} finished {stopping.Elapsed.TotalSeconds:F1} s after it");
            for (var i = 0; i < again.Length; i++)
            {
                Assert.True(againResults[i]!["status"]!.GetValue<string>() == "succeeded", $"analysis {i} after the rejoin: {againResults[i]!.ToJsonString()}");
                JsonAssert.Equal(expected[i % 3], againResults[i]!["result"]);
            }
            Assert.True(b.WaitForExit(TimeSpan.FromSeconds(60)), "silo B did not exit within 60 s of SIGTERM");
            output.WriteLine($"{clock.Elapsed}: silo B exited with code {b.ExitCode}");
            Assert.Equal(0, b.ExitCode);
        }
        catch
        {
            output.WriteLine(a.Output + b.Output + c.Output);
            throw;
        }
    }

    private static JsonObject Request(int variant)
    {
        // Bootstrap makes each analysis last long enough to be cut by the kill; three seeds, three oracles.
        var request = TestAnalyses.Request(rows: 1200, seed: 11, bootstrap: 150);
        request["seed"] = 7 + variant;
        return request;
    }

    /// <summary>Polls every unfinished analysis through the given silos (round robin) until <paramref name="until"/> holds.</summary>
    private static async Task PollAsync(SiloProcess[] through, string[] ids, JsonObject?[] results, Func<bool> until)
    {
        var deadline = Stopwatch.StartNew();
        var turn = 0;
        while (!until())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(180), $"analyses unfinished after 3 minutes: {results.Count(r => r is null)}");
            for (var i = 0; i < ids.Length; i++)
            {
                if (results[i] is not null) continue;
                var silo = through[turn++ % through.Length];
                try
                {
                    using var response = await silo.Http.GetAsync($"/v1/analyses/{ids[i]}");
                    // 503: the cluster is voting a silo out; ask again.
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable) continue;
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {ids[i]} on {silo.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    var document = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                    if (document["status"]!.GetValue<string>() is "succeeded" or "failed") results[i] = document;
                }
                catch (HttpRequestException) when (!silo.IsRunning)
                {
                    // Polled the silo just killed.
                }
            }
            await Task.Delay(250);
        }
    }

    private static async Task WaitForActiveSilosAsync(PostgresTestDatabase database, string clusterId, int count)
    {
        var clock = Stopwatch.StartNew();
        long active;
        while ((active = await database.ScalarAsync($"SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = '{clusterId}' AND Status = 3")) != count)
        {
            Assert.True(clock.Elapsed < StartBudget, $"{active} active silos in the membership table, expected {count}");
            await Task.Delay(250);
        }
    }

    /// <summary>Activations of the project's grains on <paramref name="silo"/>, as the cluster reports them (<c>GET /v1/cluster</c>).</summary>
    private static async Task<long> ActivationsOnAsync(SiloProcess silo)
    {
        var document = (await silo.Http.GetFromJsonAsync<JsonObject>("/v1/cluster"))!;
        return document["silos"]!.AsArray().Where(s => s!["name"]!.GetValue<string>() == silo.Name).Sum(s => s!["activations"]!.GetValue<long>());
    }
}
