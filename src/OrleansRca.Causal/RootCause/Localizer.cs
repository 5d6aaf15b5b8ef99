using OrleansRca.Causal.Data;
using OrleansRca.Causal.Models;

namespace OrleansRca.Causal.RootCause;

public enum RankingMethod
{
    /// <summary>Noise surprise: −log of each node's two-sided noise tail probability (RootCLAM's test, ranked).</summary>
    Noise,
    /// <summary>Shapley attribution of the target's outlier score to upstream noises (Janzing et al. 2019).</summary>
    Shapley,
}

/// <summary>The options of <c>localize</c> (contract section 4) plus the attribution settings.</summary>
public sealed record LocalizeOptions
{
    /// <summary>Two-sided threshold on a node's noise CDF: flagged when F &lt; pi or F &gt; 1 − pi.</summary>
    public double Pi { get; init; } = 0.125;
    /// <summary>The alerting node: rank the upstream causes of its anomaly.</summary>
    public string? Target { get; init; }
    public RankingMethod Method { get; init; } = RankingMethod.Noise;
    /// <summary>
    /// Family-wise level for blaming with a target: an upstream node (the target included) is blamed when its
    /// noise's two-sided tail probability is below this divided by the number of upstream nodes (Bonferroni),
    /// so that on a normal row the chance of blaming anyone at all stays below it, and below 1/n (n normal
    /// rows): a blamed noise lies outside everything normal operation showed.
    /// </summary>
    public double BlameLevel { get; init; } = 0.05;
    public int Seed { get; init; }
    /// <summary>Shapley: joint draws of the other noises per subset.</summary>
    public int Samples { get; init; } = ShapleyAttribution.DefaultSamples;
    /// <summary>Shapley: permutations when there are too many upstream nodes to enumerate.</summary>
    public int Permutations { get; init; } = ShapleyAttribution.DefaultPermutations;

    public void Validate(CausalModel model)
    {
        if (!(Pi > 0 && Pi < 0.5)) throw new InputException($"pi must be in (0, 0.5), not {Pi}");
        if (!(BlameLevel > 0 && BlameLevel < 1)) throw new InputException($"blame level must be in (0, 1), not {BlameLevel}");
        if (Target is not null && !model.Graph.TryGetIndex(Target, out _))
            throw new InputException($"target '{Target}' is not a node of the model");
        if (Samples is < 10 or > 1_000_000) throw new InputException($"samples must be between 10 and 1000000, not {Samples}");
        if (Permutations is < 2 or > 100_000) throw new InputException($"permutations must be between 2 and 100000, not {Permutations}");
        if (Method == RankingMethod.Shapley && ShapleyTarget(model) is null)
            throw new InputException("--method shapley attributes a target's anomaly: give --target (or a model with exactly one outcome node)");
    }

    /// <summary>The Shapley target: --target, else the model's single outcome node.</summary>
    public string? ShapleyTarget(CausalModel model)
    {
        if (Target is not null) return Target;
        var outcomes = model.NodesWithRole(NodeRole.Outcome).ToList();
        return outcomes.Count == 1 ? model.Graph.Names[outcomes[0]] : null;
    }
}

public sealed record RankedNode(string Node, double Score);

/// <summary>Per-row statuses.</summary>
public static class RowStatus
{
    public const string Ok = "ok";
    /// <summary>No node qualifies as a root cause (without a target: none flagged at pi).</summary>
    public const string NoCandidate = "no_candidate";
    /// <summary>--target given and the target is not anomalous in this row: nothing to explain.</summary>
    public const string TargetNotAnomalous = "target_not_anomalous";
    /// <summary>--missing drop: the row has a gap and was left out.</summary>
    public const string Dropped = "dropped";
}

/// <summary>One anomalous row's answer.</summary>
/// <param name="Scores">Each observed node's noise CDF value.</param>
/// <param name="Surprise">Each observed node's −log two-sided noise tail probability.</param>
/// <param name="Unobserved">Nodes whose cell was empty: filled to abduct their children, never scored or blamed.</param>
/// <param name="TargetTail">Two-sided tail probability of the target's value (with a target).</param>
public sealed record LocalizedRow(int Row, string Status, IReadOnlyList<string> RootCauses, IReadOnlyDictionary<string, double> Scores,
    IReadOnlyDictionary<string, double> Surprise, IReadOnlyList<RankedNode> Ranking, IReadOnlyList<string> Unobserved, double? TargetTail,
    Attribution? Attribution);

public sealed record LocalizationResult(IReadOnlyList<LocalizedRow> Rows, IReadOnlyList<NodeFitQuality> Fits, LocalizeOptions Options);

/// <summary>
/// Root-cause localization (RootCLAM's noise test, contract section 4): abduct each anomalous row's
/// noise through the model fitted on normal data, score each node by its noise CDF, flag nodes in
/// either pi tail, and rank. Rows are independent and run in parallel.
/// </summary>
public static class Localizer
{
    /// <summary>
    /// Ranks blamed nodes under the hypothesis that one of them is the root cause. H_v says v's noise was
    /// pushed and its blamed descendants follow (a misfitted or unlearnable mechanism passes a cause's shift
    /// on to its children's residuals), while every other blamed node is a normal noise by chance. Its
    /// log-likelihood ratio against "all normal" is, up to a constant per hypothesis, the surprise it
    /// explains: Σ surprise(w) over the blamed w in v and its descendants. The most upstream surprise that
    /// explains the rest comes first; among nodes explaining as much, the more surprising one.
    /// </summary>
    public static IReadOnlyList<(int Node, double Score)> SingleCauseRanking(Graphs.CausalGraph g, IReadOnlyList<int> blamed, IReadOnlyList<double> surprise)
    {
        return blamed.Select(v =>
        {
            var down = g.Descendants([v]);
            return (Node: v, Score: blamed.Where(w => down[w]).Sum(w => surprise[w]), Own: surprise[v]);
        }).OrderByDescending(x => x.Score).ThenByDescending(x => x.Own).ThenBy(x => x.Node).Select(x => (x.Node, x.Score)).ToList();
    }

    /// <summary>The whole analysis: fit on normal rows, then localize every anomalous row.</summary>
    public static LocalizationResult Run(LocalizationData data, LocalizeOptions options)
    {
        options.Validate(data.Model);
        var fitted = RootCauseModel.Fit(data.Model, data.Normal);
        return Localize(fitted, data, options);
    }

    public static LocalizationResult Localize(RootCauseModel fitted, LocalizationData data, LocalizeOptions options)
    {
        options.Validate(data.Model);
        var noise = fitted.Abduct(data.Anomalies);
        var rows = new LocalizedRow[data.Anomalies.Rows];
        Parallel.For(0, rows.Length, r => rows[r] = LocalizeRow(fitted, data, noise, r, options));
        var all = new List<LocalizedRow>(rows);
        foreach (var dropped in data.DroppedRows)
            all.Add(new LocalizedRow(dropped, RowStatus.Dropped, [], new Dictionary<string, double>(), new Dictionary<string, double>(), [], [], null, null));
        return new LocalizationResult(all.OrderBy(r => r.Row).ToList(), fitted.Fits.Select(f => f.Quality).ToList(), options);
    }

    private static LocalizedRow LocalizeRow(RootCauseModel fitted, LocalizationData data, double[][] noise, int r, LocalizeOptions options)
    {
        var g = fitted.Model.Graph;
        var unobserved = new HashSet<int>();
        for (var v = 0; v < g.Count; v++)
            if (data.Unobserved[v] is { } gaps && gaps[r]) unobserved.Add(v);
        var scores = new Dictionary<string, double>();
        var surprise = new double[g.Count];
        var surpriseByName = new Dictionary<string, double>();
        var flagged = new List<int>();
        for (var v = 0; v < g.Count; v++)
        {
            if (unobserved.Contains(v)) continue;
            var dist = fitted.Fits[v].Noise;
            var cdf = dist.Cdf(noise[v][r]);
            scores[g.Names[v]] = cdf;
            surprise[v] = dist.Surprise(noise[v][r]);
            surpriseByName[g.Names[v]] = surprise[v];
            if (cdf < options.Pi || cdf > 1 - options.Pi) flagged.Add(v);
        }
        var rootCauses = flagged.Select(v => g.Names[v]).ToList();
        var rowIndex = data.RowIndex[r];

        var targetName = options.Method == RankingMethod.Shapley ? options.ShapleyTarget(fitted.Model) : options.Target;
        if (targetName is null)
        {
            var ranking = flagged.OrderByDescending(v => surprise[v]).ThenBy(v => v).Select(v => new RankedNode(g.Names[v], surprise[v])).ToList();
            return new LocalizedRow(rowIndex, ranking.Count > 0 ? RowStatus.Ok : RowStatus.NoCandidate, rootCauses, scores, surpriseByName, ranking,
                unobserved.Select(v => g.Names[v]).ToList(), null, null);
        }

        var target = g.IndexOf(targetName);
        var unobservedNames = unobserved.Select(v => g.Names[v]).ToList();
        if (unobserved.Contains(target))
            return new LocalizedRow(rowIndex, RowStatus.TargetNotAnomalous, rootCauses, scores, surpriseByName, [], unobservedNames, null, null);
        var targetValue = data.Anomalies[targetName][r];
        // The target is anomalous by the same two-sided pi test RootCLAM applies to noises, on its value.
        var targetTail = fitted.Marginals[target].TwoSidedTail(targetValue);
        if (targetTail >= 2 * options.Pi)
            return new LocalizedRow(rowIndex, RowStatus.TargetNotAnomalous, rootCauses, scores, surpriseByName, [], unobservedNames, targetTail, null);

        if (options.Method == RankingMethod.Shapley)
        {
            var shapley = new ShapleyAttribution(fitted, target, options.Samples);
            var rowNoise = Enumerable.Range(0, g.Count).Select(v => noise[v][r]).ToArray();
            var attribution = shapley.Attribute(rowNoise, targetValue, HashCode.Combine(options.Seed, rowIndex), options.Permutations);
            var ranked = attribution.Attributions.Where(kv => kv.Value > 0 && !unobserved.Contains(kv.Key))
                .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => new RankedNode(g.Names[kv.Key], kv.Value)).ToList();
            return new LocalizedRow(rowIndex, ranked.Count > 0 ? RowStatus.Ok : RowStatus.NoCandidate, rootCauses, scores, surpriseByName, ranked,
                unobservedNames, targetTail, attribution);
        }

        // Blame upstream nodes (the target included) whose noise is surprising at the family-wise level.
        var upstream = g.Ancestors([target]);
        // And outside everything normal operation showed (two-sided tail below 1/n): a chance-blamed ancestor
        // would otherwise claim its pushed descendants under the single-cause ranking.
        var level = options.BlameLevel / upstream.Count(u => u);
        var candidates = Enumerable.Range(0, g.Count).Where(v => upstream[v] && !unobserved.Contains(v)
            && surprise[v] > -Math.Log(Math.Min(level, 1.0 / fitted.Fits[v].Noise.Count))).ToList();
        var blamed = SingleCauseRanking(g, candidates, surprise).Select(x => new RankedNode(g.Names[x.Node], x.Score)).ToList();
        return new LocalizedRow(rowIndex, blamed.Count > 0 ? RowStatus.Ok : RowStatus.NoCandidate, rootCauses, scores, surpriseByName, blamed,
            unobservedNames, targetTail, null);
    }
}
