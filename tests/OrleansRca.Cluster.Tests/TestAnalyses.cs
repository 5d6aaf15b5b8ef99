using OrleansRca.Causal.Mediation;

namespace OrleansRca.Cluster.Tests;

/// <summary>
/// Analysis requests built in code: 3 treatments x 3 mediators with formula mechanisms (so every pair
/// needs propagation), two nodes without a mechanism (fitted by node grains), a confounding covariate.
/// </summary>
public static class TestAnalyses
{
    public static readonly string[] Treatments = ["T1", "T2", "T 3"];
    public static readonly string[] Mediators = ["M1", "M2", "M3"];

    public static JsonObject Model() => new()
    {
        ["name"] = "cluster-test",
        ["nodes"] = new JsonArray(
            Node("T1", "treatment"), Node("T2", "treatment"), Node("T 3", "treatment"), Node("C", "covariate"),
            Node("M1", "mediator"), Node("M2", "mediator"), Node("M3", "mediator"), Node("X", "covariate"), Node("O", "outcome")),
        ["edges"] = new JsonArray(
            Edge("T1", "M1"), Edge("T2", "M1"), Edge("T 3", "M1"), Edge("C", "M1"),
            Edge("T1", "M2"), Edge("T2", "M2"), Edge("T 3", "M2"), Edge("M1", "M2"),
            Edge("T1", "M3"), Edge("T2", "M3"), Edge("T 3", "M3"),
            Edge("C", "X"),
            Edge("M1", "O"), Edge("M2", "O"), Edge("M3", "O"), Edge("T1", "O"), Edge("C", "O")),
        // M2 and X have no mechanism: node grains fit them from the data.
        ["mechanisms"] = new JsonObject
        {
            ["M1"] = Formula("0.5 * T1 + 0.3 * tanh(T2) + 0.2 * [T 3] * C"),
            ["M3"] = Formula("sqrt(abs(T1) + 1) + 0.4 * T2 - 0.1 * [T 3]"),
            ["O"] = Formula("0.3 * exp(0.1 * M1) + 0.5 * M2 * M3 / (1 + abs(M3)) + 0.2 * T1 + 0.1 * C"),
        },
    };

    /// <summary>Rows sampled from the model (with M2 = 0.3 T1 - 0.2 T2 + 0.1 T3 + 0.6 M1 + noise, X = 2 C + noise).</summary>
    public static string Csv(int rows, int seed, bool collinearTreatments = false)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var csv = new StringBuilder("T1,T2,T 3,C,M1,M2,M3,X,O,ignored\n");
        for (var r = 0; r < rows; r++)
        {
            var t1 = 1 + 0.5 * Normal();
            var t2 = collinearTreatments ? 2 * t1 : 1 + 0.5 * Normal();
            var t3 = 0.5 * Normal();
            var c = Normal();
            var m1 = 0.5 * t1 + 0.3 * Math.Tanh(t2) + 0.2 * t3 * c + 0.3 * Normal();
            var m2 = 0.3 * t1 - 0.2 * t2 + 0.1 * t3 + 0.6 * m1 + 0.3 * Normal();
            var m3 = Math.Sqrt(Math.Abs(t1) + 1) + 0.4 * t2 - 0.1 * t3 + 0.3 * Normal();
            var x = 2 * c + 0.5 * Normal();
            var o = 0.3 * Math.Exp(0.1 * m1) + 0.5 * m2 * m3 / (1 + Math.Abs(m3)) + 0.2 * t1 + 0.1 * c + 0.2 * Normal();
            csv.AppendLine(string.Join(',', new[] { t1, t2, t3, c, m1, m2, m3, x, o, r }.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
        return csv.ToString();
    }

    public static JsonObject Request(int rows = 2000, int seed = 1, int bootstrap = 0, bool collinearTreatments = false)
    {
        var request = new JsonObject { ["model"] = Model(), ["data"] = Csv(rows, seed, collinearTreatments), ["treated"] = "+20%" };
        if (bootstrap > 0)
        {
            request["bootstrap"] = bootstrap;
            request["seed"] = 7;
        }
        // As a server receives it: parsed from text (RequestJson.OptionalNumber cannot read a JsonValue built from an int).
        return JsonNode.Parse(request.ToJsonString())!.AsObject();
    }

    /// <summary>The oracle: the core engine on one machine, on the same parsed request.</summary>
    public static JsonObject CoreResult(JsonObject request)
    {
        var parsed = MediationRequest.Parse(request);
        return MediationEngine.Run(parsed.Model, parsed.Data, parsed.Options).ToJson();
    }

    private static JsonObject Node(string name, string role) => new() { ["name"] = name, ["role"] = role };

    private static JsonArray Edge(string parent, string child) => new(parent, child);

    private static JsonObject Formula(string expression) => new() { ["kind"] = "formula", ["expression"] = expression };
}

public static class JsonAssert
{
    /// <summary>Same shape, equal strings, numbers equal within <paramref name="tolerance"/> (relative to max(1, |x|)).</summary>
    public static void Equal(JsonNode? expected, JsonNode? actual, double tolerance = 1e-12, string path = "$")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual?.ToJsonString()}");
                break;
            case JsonObject e:
                var a = Assert.IsType<JsonObject>(actual, exactMatch: false);
                Assert.True(e.Select(p => p.Key).Order().SequenceEqual(a.Select(p => p.Key).Order()),
                    $"{path}: keys differ: expected [{string.Join(", ", e.Select(p => p.Key))}], got [{string.Join(", ", a.Select(p => p.Key))}]");
                foreach (var (key, value) in e) Equal(value, a[key], tolerance, $"{path}.{key}");
                break;
            case JsonArray e:
                var arr = Assert.IsType<JsonArray>(actual, exactMatch: false);
                Assert.True(e.Count == arr.Count, $"{path}: expected {e.Count} items, got {arr.Count}");
                for (var i = 0; i < e.Count; i++) Equal(e[i], arr[i], tolerance, $"{path}[{i}]");
                break;
            case JsonValue e when e.GetValueKind() == System.Text.Json.JsonValueKind.Number:
                Assert.NotNull(actual);
                // Through the text: a JsonValue built from an int refuses GetValue<double>.
                var x = double.Parse(e.ToJsonString(), CultureInfo.InvariantCulture);
                var y = double.Parse(actual!.ToJsonString(), CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x)), $"{path}: expected {x:R}, got {y:R}");
                break;
            default:
                Assert.True(expected.ToJsonString() == actual?.ToJsonString(), $"{path}: expected {expected.ToJsonString()}, got {actual?.ToJsonString()}");
                break;
        }
    }
}
