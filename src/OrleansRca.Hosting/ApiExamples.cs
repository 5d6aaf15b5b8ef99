namespace OrleansRca.Hosting;

/// <summary>A small request per kind for the OpenAPI document; a test submits each and expects it to succeed.</summary>
public static class ApiExamples
{
    private const string Model = """
        {"name": "example",
         "nodes": [{"name": "load", "role": "treatment"}, {"name": "queue", "role": "mediator"}, {"name": "latency", "role": "outcome"}],
         "edges": [["load", "queue"], ["load", "latency"], ["queue", "latency"]],
         "mechanisms": {"queue": {"kind": "linear", "intercept": 1.0, "weights": {"load": 0.5}},
                        "latency": {"kind": "formula", "expression": "2 + 0.1 * load + 0.3 * queue"}}}
        """;

    private const string Normal = "load,queue,latency\\n1,1.5,2.55\\n2,2.1,2.85\\n3,2.4,3.04\\n4,3.1,3.35\\n5,3.4,3.55\\n6,4.1,3.83\\n7,4.4,4.05\\n8,5.1,4.36\\n"
        + "1.5,1.7,2.63\\n2.5,2.3,2.95\\n3.5,2.8,3.18\\n4.5,3.2,3.42\\n5.5,3.8,3.69\\n6.5,4.2,3.93\\n7.5,4.8,4.17\\n8.5,5.2,4.42\\n";

    private const string Anomalies = "load,queue,latency\\n3,9.5,5.2\\n4,3.0,3.3\\n";

    private const string Network = """
        network example { }
        variable cpu { type discrete [ 2 ] { high, low }; }
        variable latency { type discrete [ 2 ] { slow, fast }; }
        probability ( cpu ) { table 0.3, 0.7; }
        probability ( latency | cpu ) { (high) 0.9, 0.1; (low) 0.2, 0.8; }
        """;

    public static string Request(string kind) => kind switch
    {
        AnalysisKinds.Mediation => $$"""{"model": {{Model}}, "data": "{{Normal}}", "treated": "+50%"}""",
        AnalysisKinds.Localization => $$"""{"model": {{Model}}, "normal": "{{Normal}}", "anomalies": "{{Anomalies}}", "target": "latency"}""",
        AnalysisKinds.Mitigation => $$"""{"model": {{Model}}, "normal": "{{Normal}}", "anomalies": "{{Anomalies}}", "detector": "mahalanobis"}""",
        AnalysisKinds.Marginals => $$"""{"network": {{Quote(Network)}}, "do": "cpu=high"}""",
        AnalysisKinds.Disentanglement => "{\"network\": " + Quote(Network)
            + """, "mixture": {"marginals": {"cpu": {"high": 0.3, "low": 0.7}, "latency": {"slow": 0.528, "fast": 0.472}}}}""",
        AnalysisKinds.Discovery => $$"""{"data": ["{{Normal}}", "{{Normal.Replace("\\n1,1.5", "\\n1,9.5", StringComparison.Ordinal)}}"], "names": ["normal", "incident"]}""",
        _ => throw new ArgumentException($"'{kind}' is not an analysis kind", nameof(kind)),
    };

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text, WireJson.Default.String);
}
