using OrleansRca.Causal.Mitigation;

namespace OrleansRca.Wire.Results;

/// <summary>
/// The <c>mitigate</c> result document (contract section 4): <c>rows[]</c> with <c>row</c>, <c>actions</c> {node: theta},
/// <c>counterfactual</c> {node: value}, <c>score_before</c>, <c>score_after</c>, <c>threshold</c>, <c>flipped</c>,
/// <c>cost</c>, plus <c>status</c>, <c>reason</c> and <c>root_causes</c>; and the detector, alpha and threshold.
/// One writer for the CLI and HTTP.
/// </summary>
public static class MitigationJson
{
    public static string StatusText(MitigationStatus status) => status switch
    {
        MitigationStatus.Solved => "solved",
        MitigationStatus.Normal => "normal",
        MitigationStatus.NoControllableRootCause => "no_controllable_root_cause",
        MitigationStatus.Unreachable => "unreachable",
        MitigationStatus.NotConverged => "not_converged",
        MitigationStatus.Deepest => "deepest",
        _ => "dropped",
    };

    public static JsonObject ToJson(MitigationResult result)
    {
        var rows = new JsonArray();
        foreach (var r in result.Rows)
        {
            var actions = new JsonObject();
            foreach (var (node, theta) in r.Actions) actions[node] = theta;
            var counterfactual = new JsonObject();
            for (var v = 0; v < r.Counterfactual.Count; v++) counterfactual[result.Nodes[v]] = JsonNumbers.Finite(r.Counterfactual[v]);
            rows.Add(new JsonObject
            {
                ["row"] = r.Row,
                ["status"] = StatusText(r.Status),
                ["root_causes"] = new JsonArray(r.RootCauses.Select(n => (JsonNode)n).ToArray()),
                ["actions"] = actions,
                ["counterfactual"] = counterfactual,
                ["score_before"] = JsonNumbers.Finite(r.ScoreBefore),
                ["score_after"] = JsonNumbers.Finite(r.ScoreAfter),
                ["threshold"] = r.Threshold,
                ["flipped"] = r.Flipped,
                ["cost"] = r.Cost,
                ["reason"] = r.Reason,
            });
        }
        return new JsonObject
        {
            ["detector"] = result.Detector,
            ["alpha"] = result.Alpha,
            ["act_on"] = result.ActOn,
            ["threshold"] = result.Threshold,
            ["rows"] = rows,
        };
    }
}
