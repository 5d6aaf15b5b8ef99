namespace OrleansRca.Wire.Results;

/// <summary>
/// The <c>localize</c> result document (contract section 4): <c>rows[]</c> with <c>row</c>, <c>root_causes</c>,
/// <c>scores</c> (noise CDF per node) and <c>ranking[{node, score}]</c>, plus each row's status, unobserved nodes,
/// the target's tail probability and Shapley details; and each node's fit quality. One writer for the
/// CLI and HTTP, so both print the same document.
/// </summary>
public static class LocalizationJson
{
    /// <summary>A ranking entry: node and score, and the nodes it moved with when a noise coupling counted them.</summary>
    private static JsonNode Ranked(RankedNode x)
    {
        var entry = new JsonObject { ["node"] = x.Node, ["score"] = JsonNumbers.Finite(x.Score) };
        if (x.MovedWith.Count > 0) entry["moved_with"] = new JsonArray(x.MovedWith.Select(n => (JsonNode)n).ToArray());
        return entry;
    }

    public static JsonObject ToJson(LocalizationResult result)
    {
        var rows = new JsonArray();
        foreach (var r in result.Rows)
        {
            var row = new JsonObject
            {
                ["row"] = r.Row,
                ["status"] = r.Status,
                ["root_causes"] = new JsonArray(r.RootCauses.Select(n => (JsonNode)n).ToArray()),
                ["scores"] = Map(r.Scores),
                ["ranking"] = new JsonArray(r.Ranking.Select(Ranked).ToArray()),
                ["surprise"] = Map(r.Surprise),
            };
            if (r.Unobserved.Count > 0) row["unobserved"] = new JsonArray(r.Unobserved.Select(n => (JsonNode)n).ToArray());
            if (r.TargetTail is { } tail) row["target_tail"] = JsonNumbers.Finite(tail);
            if (r.Attribution is { } a)
                row["attribution"] = new JsonObject
                {
                    ["outlier_score"] = JsonNumbers.Finite(a.OutlierScore),
                    ["exact"] = a.Exact,
                    ["permutations"] = a.Permutations,
                    ["max_standard_error"] = JsonNumbers.Finite(a.StandardErrors.Values.DefaultIfEmpty(0).Max()),
                };
            rows.Add(row);
        }
        var fits = new JsonArray();
        foreach (var f in result.Fits)
        {
            var fit = new JsonObject
            {
                ["node"] = f.Node,
                ["family"] = f.Family,
                ["rows"] = f.Rows,
                ["held_out_r2"] = JsonNumbers.Finite(f.HeldOutR2),
                ["held_out_rmse"] = JsonNumbers.Finite(f.HeldOutRmse),
                ["linear_rmse"] = JsonNumbers.Finite(f.LinearRmse),
            };
            if (f.Notes.Count > 0) fit["notes"] = new JsonArray(f.Notes.Select(n => (JsonNode)n).ToArray());
            fits.Add(fit);
        }
        var o = result.Options;
        return new JsonObject
        {
            ["pi"] = o.Pi,
            ["target"] = o.Target,
            ["method"] = o.Method.ToString().ToLowerInvariant(),
            ["blame_level"] = o.BlameLevel,
            ["rows"] = rows,
            ["fits"] = fits,
        };
    }

    private static JsonObject Map(IReadOnlyDictionary<string, double> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values) o[k] = JsonNumbers.Finite(v);
        return o;
    }
}
