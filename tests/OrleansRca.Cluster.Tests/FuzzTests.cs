namespace OrleansRca.Cluster.Tests;

/// <summary>
/// Bad input never yields a 5xx: thousands of random and mutated requests (fixed seed, bounded in count and
/// time) against the served API, then the server must still answer and run an analysis.
/// </summary>
public sealed class FuzzTests(ServerFixture fixture) : ServerTests(fixture)
{
    private const int Requests = 4000;
    private const int Workers = 4;

    private static readonly string[] HostileFormulas =
    [
        "exp(exp(exp(1000)))", "1 / 0", "log(-1)", "sqrt(", "((((((((((load))))))))))", "load +", "[load", "load]", "nosuch(load)",
        "System.IO.File.Delete(\"x\")", "load; rm -rf /", "pow(load, 1e308)", "queue * 1e308 * 1e308", "0/0", "max()", "min(load)",
        "sigmoid(tanh(abs(load)))", string.Concat(Enumerable.Repeat("(", 500)) + "load" + string.Concat(Enumerable.Repeat(")", 500)), "unknown_parent * 2", "",
    ];

    private static readonly JsonNode?[] OddValues =
    [
        null, true, 0, -1, 1e308, -1e308, 1.5, "", "NaN", "Infinity", "-1e999", "x", new JsonArray(), new JsonObject(),
        new JsonArray(1, "a", null), JsonValue.Create(long.MaxValue), JsonValue.Create(decimal.MaxValue), new string('z', 5000),
    ];

    [Fact]
    public async Task Thousands_of_random_and_mutated_requests_never_get_a_5xx_and_the_server_lives_on()
    {
        var deadline = DateTime.UtcNow.AddSeconds(50);
        var failures = new List<string>();
        var accepted = new List<(string Body, Uri Location)>();
        var sent = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, Workers), async (worker, ct) =>
        {
            var random = new Random(1234 + worker);
            for (var i = worker; i < Requests && DateTime.UtcNow < deadline; i += Workers)
            {
                var (method, path, body, contentType) = Mutant(random);
                using var request = new HttpRequestMessage(method, path);
                if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
                using var response = await Http.SendAsync(request, ct);
                Interlocked.Increment(ref sent);
                var text = await response.Content.ReadAsStringAsync(ct);
                lock (failures)
                {
                    if ((int)response.StatusCode >= 500) failures.Add($"{method} {path} -> {(int)response.StatusCode}: {Clip(body)} => {Clip(text)}");
                    else if (response.StatusCode == HttpStatusCode.Accepted && method == HttpMethod.Post && path.StartsWith("/v1/analyses/", StringComparison.Ordinal))
                        accepted.Add((path + " " + body, response.Headers.Location!));
                    // Kestrel itself refuses a request target holding NUL (an empty 400, before any middleware runs).
                    else if ((int)response.StatusCode >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json"
                        && !(response.StatusCode == HttpStatusCode.BadRequest && path.Contains("%00", StringComparison.Ordinal)))
                        failures.Add($"{method} {path} -> {(int)response.StatusCode} as {response.Content.Headers.ContentType}: {Clip(text)}");
                }
            }
        });

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests failed:\n{string.Join("\n", failures.Take(10))}");
        Assert.True(sent >= 1000, $"only {sent} requests in the time bound");

        // What was accepted ends as succeeded, or failed as bad input: never an internal error.
        var internalErrors = new List<string>();
        foreach (var (body, location) in accepted.Take(200))
        {
            JsonObject document;
            var until = DateTime.UtcNow.AddSeconds(20);
            do
            {
                document = (await Http.GetFromJsonAsync<JsonObject>(location))!;
                if ((string?)document["status"] is "queued" or "running") await Task.Delay(20);
            }
            while ((string?)document["status"] is "queued" or "running" && DateTime.UtcNow < until);
            if ((string?)document["error"]?["kind"] == AnalysisError.Internal) internalErrors.Add($"{body} => {document["error"]}");
        }
        Assert.True(internalErrors.Count == 0, $"{internalErrors.Count} internal errors:\n{string.Join("\n", internalErrors.Take(5))}");

        // Alive: health, and a real analysis still runs.
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/healthz")).StatusCode);
        var post = await Http.PostAsync("/v1/analyses/mediation", Json(ApiExamples.Request(AnalysisKinds.Mediation)));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        await HttpAssert.SucceededAsync(Http, post.Headers.Location!);
    }

    private static (HttpMethod Method, string Path, string? Body, string ContentType) Mutant(Random random)
    {
        var kind = AnalysisKinds.All[random.Next(AnalysisKinds.All.Count)];
        switch (random.Next(20))
        {
            case 0:
                return (HttpMethod.Get, $"/v1/analyses/{RandomId(random)}", null, "");
            case 1:
                return (HttpMethod.Delete, $"/v1/analyses/{RandomId(random)}", null, "");
            case 2:
                return (HttpMethod.Get, $"/v1/datasets/{RandomId(random)}", null, "");
            case 3:
                return (HttpMethod.Post, "/v1/datasets", MutateCsv(random, "a,b\n1,2\n3,4\n"), random.Next(4) == 0 ? "application/json" : "text/csv");
            case 4:
                return (HttpMethod.Post, $"/v1/analyses/{Uri.EscapeDataString(RandomText(random, 12))}", "{}", "application/json");
            case 5:
                // Random bytes as text.
                return (HttpMethod.Post, $"/v1/analyses/{kind}", RandomText(random, random.Next(0, 300)), "application/json");
            case 6:
            {
                // Truncated JSON.
                var text = ApiExamples.Request(kind);
                return (HttpMethod.Post, $"/v1/analyses/{kind}", text[..random.Next(text.Length)], "application/json");
            }
            case 7:
                // Deep nesting.
                var depth = random.Next(50, 3000);
                return (HttpMethod.Post, $"/v1/analyses/{kind}", "{\"model\":" + string.Concat(Enumerable.Repeat("[", depth)) + string.Concat(Enumerable.Repeat("]", depth)) + "}", "application/json");
            default:
            {
                var body = JsonNode.Parse(ApiExamples.Request(kind))!.AsObject();
                for (var m = random.Next(1, 4); m > 0; m--) Mutate(random, body);
                return (HttpMethod.Post, $"/v1/analyses/{kind}", body.ToJsonString(), "application/json");
            }
        }
    }

    private static void Mutate(Random random, JsonObject body)
    {
        var fields = body.Select(kv => kv.Key).ToList();
        var field = fields.Count > 0 ? fields[random.Next(fields.Count)] : "model";
        var model = body["model"] as JsonObject;
        switch (random.Next(12))
        {
            case 0: body.Remove(field); break;
            case 1: body[field] = OddValues[random.Next(OddValues.Length)]?.DeepClone(); break;
            case 2: body[RandomText(random, 6)] = 1; break;
            case 3 when model is not null:
                // Cycle, self-loop, unknown node.
                model["edges"]!.AsArray().Add(random.Next(3) switch
                {
                    0 => new JsonArray("latency", "load"),
                    1 => new JsonArray("queue", "queue"),
                    _ => new JsonArray("load", "ghost"),
                });
                break;
            case 4 when model is not null:
                model["mechanisms"]!["latency"] = new JsonObject { ["kind"] = "formula", ["expression"] = HostileFormulas[random.Next(HostileFormulas.Length)] };
                break;
            case 5 when model is not null:
                model["nodes"]!.AsArray().Add(new JsonObject { ["name"] = random.Next(2) == 0 ? "load" : "", ["role"] = "outcome" });
                break;
            case 6 when model is not null:
                model["mechanisms"]!["queue"]!["weights"]!["load"] = OddValues[random.Next(OddValues.Length)]?.DeepClone();
                break;
            case 7:
                foreach (var table in new[] { "data", "normal", "anomalies" })
                    if (body[table] is JsonValue v && v.TryGetValue<string>(out var csv)) body[table] = MutateCsv(random, csv);
                break;
            case 8:
                foreach (var table in new[] { "data", "normal", "anomalies" })
                    if (body.ContainsKey(table)) body[table] = new JsonObject { ["dataset"] = random.Next(2) == 0 ? RandomId(random) : RandomText(random, 64) };
                break;
            case 9:
                body["missing"] = random.Next(2) == 0 ? "interpolate" : RandomText(random, 5);
                break;
            case 10 when body["network"] is JsonValue n && n.TryGetValue<string>(out var bif):
                var cut = random.Next(bif.Length);
                body["network"] = bif.Remove(cut, Math.Min(5, bif.Length - cut)).Replace("0.3", random.Next(2) == 0 ? "-0.3" : "NaN", StringComparison.Ordinal);
                break;
            default:
                body[field] = RandomText(random, random.Next(1, 40));
                break;
        }
    }

    private static string MutateCsv(Random random, string csv)
    {
        var lines = csv.Split('\n').ToList();
        if (lines.Count < 2) lines.Add("");
        switch (random.Next(7))
        {
            case 0: lines[0] = lines[0].Replace("load", "lode", StringComparison.Ordinal).Replace("a,", "x,", StringComparison.Ordinal); break; // missing column
            case 1: lines.Insert(1 + random.Next(lines.Count - 1), "NaN,1,2"); break;
            case 2: lines.Insert(1 + random.Next(lines.Count - 1), ",,"); break;
            case 3: lines.Insert(1 + random.Next(lines.Count - 1), "1e999,-1e999,1"); break;
            case 4: lines = [lines[0]]; break;
            case 5: lines.Insert(1, string.Join(',', Enumerable.Repeat(double.MaxValue.ToString("R", CultureInfo.InvariantCulture), 3))); break;
            default: lines.Insert(1 + random.Next(lines.Count - 1), RandomText(random, 20)); break;
        }
        return string.Join('\n', lines);
    }

    private static string RandomId(Random random) =>
        random.Next(3) == 0 ? GrainKeys.NewAnalysisId() : Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant()[..random.Next(1, 32)];

    private static string RandomText(Random random, int length)
    {
        const string alphabet = "abcxyz019{}[]\",:\\/ \n\t.-+eE%\u00e9\u0000\uffff";
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
        return new string(chars);
    }

    private static string Clip(string? text) => text is null ? "" : text.Length <= 300 ? text : text[..300] + "...";
}
