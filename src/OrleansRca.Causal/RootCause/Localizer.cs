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

    /// <summary>The node whose own value is judged: the Shapley target with that method, else --target; -1 for none.</summary>
    public int TargetIndex(CausalModel model) =>
        (Method == RankingMethod.Shapley ? ShapleyTarget(model) : Target) is { } name ? model.Graph.IndexOf(name) : -1;

    /// <summary>Whether rows are ranked by blame with a target, the ranking that uses <see cref="NoiseCoupling"/>.</summary>
    public bool RanksByCoupling => Method == RankingMethod.Noise && Target is not null;

    /// <summary>The Shapley target: --target, else the model's single outcome node.</summary>
    public string? ShapleyTarget(CausalModel model)
    {
        if (Target is not null) return Target;
        var outcomes = model.NodesWithRole(NodeRole.Outcome).ToList();
        return outcomes.Count == 1 ? model.Graph.Names[outcomes[0]] : null;
    }
}

/// <param name="MovedWith">Nodes whose normal noise moved with this one's (<see cref="NoiseCoupling"/>) and whose anomaly its score
/// counts: the push may have entered at any of them. Empty when the graph alone explains the score.</param>
public sealed record RankedNode(string Node, double Score, IReadOnlyList<string> MovedWith)
{
    public RankedNode(string node, double score) : this(node, score, []) { }
}

/// <summary>One hypothesis of <see cref="Localizer.SingleCauseRanking"/>: a node, the surprise it explains, and the coupled nodes counted with it.</summary>
public sealed record RankedCause(int Node, double Score, IReadOnlyList<int> MovedWith);

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

/// <summary>One node's scores over the kept anomalous rows (a node grain's answer).</summary>
/// <param name="NormalCount">Normal rows behind the node's noise distribution.</param>
/// <param name="StandardNoise">The node's normal noise for <see cref="NoiseCoupling"/> (<see cref="NoiseCoupling.Standardise"/>d; empty when the ranking couples none).</param>
public sealed record NodeScoring(int Node, double[] Noise, double[] Cdf, double[] Surprise, double[] ValueTail, int NormalCount, float[] StandardNoise);

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
    /// pushed and its anomalous descendants follow (a misfitted or unlearnable mechanism passes a cause's shift
    /// on to its children's residuals), while every other anomalous node is a normal noise by chance. Its
    /// log-likelihood ratio against "all normal" is, up to a constant per hypothesis, the surprise it
    /// explains: Σ surprise(w) over the anomalous w (<paramref name="evidence"/>) in v and its descendants,
    /// wherever they sit: a pushed node moves everything downstream of it, not only what lies on the way to the
    /// alerting node. The most upstream surprise that explains the rest comes first; among nodes explaining as
    /// much, the more surprising one.
    /// <para>
    /// Where the graph misses a link (<paramref name="coupling"/>: noises that moved together in normal
    /// operation, between nodes no directed path relates), a push on v also moves the anomalous nodes coupled to
    /// it, and their descendants. The link has no arrow, so the push may have entered at any node of that group:
    /// each member upstream of the alerting node is named with the group's score, and among them the one
    /// whose own descendants in the drawn graph explain most comes first (the graph is knowledge; a coupling only
    /// a correlation).
    /// </para>
    /// </summary>
    /// <param name="blamed">The hypotheses: nodes surprising enough to be blamed.</param>
    /// <param name="evidence">The anomalous nodes a hypothesis can explain (a superset of <paramref name="blamed"/>).</param>
    /// <param name="upstream">The alerting node's ancestors (null: no alerting node): coupled members outside are not named.</param>
    public static IReadOnlyList<RankedCause> SingleCauseRanking(Graphs.CausalGraph g, IReadOnlyList<int> blamed, IReadOnlyList<int> evidence,
        IReadOnlyList<double> surprise, NoiseCoupling? coupling = null, bool[]? upstream = null)
    {
        var best = new Dictionary<int, ((double Score, double Drawn, double Own) Key, List<int> Group)>();
        foreach (var v in blamed)
        {
            var below = g.Descendants([v]);
            // A coupling stands for a link the graph lacks: nodes it already relates by a path are not asked about.
            var above = coupling is null ? null : g.Ancestors([v]);
            var group = evidence.Where(w => w == v || (above is not null && !below[w] && !above[w] && coupling!.Coupled(v, w))).ToList();
            var down = group.Count == 1 ? below : g.Descendants(group);
            var score = evidence.Where(w => down[w]).Sum(w => surprise[w]);
            foreach (var u in group.Where(u => u == v || upstream?[u] != false))
            {
                var own = u == v ? below : g.Descendants([u]);
                var entry = (score, evidence.Where(w => own[w]).Sum(w => surprise[w]), surprise[u]);
                if (!best.TryGetValue(u, out var seen) || entry.CompareTo(seen.Key) > 0) best[u] = (entry, group);
            }
        }
        return best.OrderByDescending(x => x.Value.Key.Score).ThenByDescending(x => x.Value.Key.Drawn).ThenByDescending(x => x.Value.Key.Own).ThenBy(x => x.Key)
            .Select(x => new RankedCause(x.Key, x.Value.Key.Score, x.Value.Group.Where(w => w != x.Key).ToList())).ToList();
    }

    /// <summary>The whole analysis: fit on normal rows, then localize every anomalous row.</summary>
    public static LocalizationResult Run(LocalizationData data, LocalizeOptions options)
    {
        options.Validate(data.Model);
        var fitted = RootCauseModel.Fit(data.Model, data.Normal);
        return Localize(fitted, data, options);
    }

    /// <summary>
    /// Localizes with a fitted model: scores every node (as a node grain does), attributes the alerting rows
    /// when the method is Shapley (as row grains do), and assembles the rows.
    /// </summary>
    public static LocalizationResult Localize(RootCauseModel fitted, LocalizationData data, LocalizeOptions options)
    {
        options.Validate(data.Model);
        var scores = new NodeScoring[fitted.Model.Count];
        var target = options.TargetIndex(fitted.Model);
        // A node is a few microseconds of work: parallel only in chunks of many nodes.
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, scores.Length, Math.Max(64, scores.Length / Environment.ProcessorCount)), range =>
        {
            for (var v = range.Item1; v < range.Item2; v++)
                scores[v] = ScoreNode(fitted.Model, fitted.Fits[v], fitted.Marginals[v], data, v == target, options.RanksByCoupling);
        });
        var attributions = new Dictionary<int, Attribution>();
        if (options.Method == RankingMethod.Shapley)
        {
            var rows = RowsToAttribute(fitted.Model, data, scores, options);
            var results = new Attribution[rows.Count];
            Parallel.For(0, rows.Count, i => results[i] = Attribute(fitted, data, scores, rows[i], options));
            for (var i = 0; i < rows.Count; i++) attributions[rows[i]] = results[i];
        }
        return Assemble(fitted.Model, data, scores, fitted.Fits.Select(f => f.Quality).ToList(), options, attributions);
    }

    /// <summary>
    /// One node's part (what its node grain computes): each kept anomalous row's noise u = x − f(observed
    /// parents), its CDF and surprise under the node's normal noise, and the two-sided tail of the node's own
    /// value under its normal distribution (is the node itself anomalous?).
    /// </summary>
    /// <param name="valueTail">Whether the node's own value is judged (only the alerting target's is read).</param>
    /// <param name="coupling">Whether the ranking couples noises (<see cref="LocalizeOptions.RanksByCoupling"/>): then the fit's standardised normal noise goes along.</param>
    public static NodeScoring ScoreNode(CausalModel model, NodeFit fit, NoiseDistribution marginal, LocalizationData data, bool valueTail = true, bool coupling = false)
    {
        var g = model.Graph;
        var v = fit.Node;
        var x = data.Anomalies[g.Names[v]];
        var noise = new double[x.Length];
        if (fit.Mechanism is not null)
            fit.Mechanism.Abduct(g.Parents[v].Select(p => (ReadOnlyMemory<double>)data.Anomalies[g.Names[p]]).ToArray(), x, noise);
        else x.CopyTo(noise, 0);
        var cdf = new double[x.Length];
        var surprise = new double[x.Length];
        for (var r = 0; r < x.Length; r++) (cdf[r], surprise[r]) = fit.Noise.Score(noise[r]);
        return new NodeScoring(v, noise, cdf, surprise, valueTail ? x.Select(marginal.TwoSidedTail).ToArray() : [], fit.Noise.Count,
            coupling ? fit.StandardNoise : []);
    }

    /// <summary>Kept rows (positions in <see cref="LocalizationData.Anomalies"/>) whose target is observed and anomalous: the ones Shapley attributes.</summary>
    public static IReadOnlyList<int> RowsToAttribute(CausalModel model, LocalizationData data, IReadOnlyList<NodeScoring> scores, LocalizeOptions options)
    {
        if (options.Method != RankingMethod.Shapley) return [];
        var target = model.Graph.IndexOf(options.ShapleyTarget(model)!);
        return Enumerable.Range(0, data.Anomalies.Rows)
            .Where(r => data.Unobserved[target]?[r] != true && scores[target].ValueTail[r] < 2 * options.Pi).ToList();
    }

    /// <summary>Shapley attribution of one kept row (what a row grain computes).</summary>
    public static Attribution Attribute(RootCauseModel fitted, LocalizationData data, IReadOnlyList<NodeScoring> scores, int row, LocalizeOptions options)
    {
        var target = fitted.Model.Graph.IndexOf(options.ShapleyTarget(fitted.Model)!);
        var shapley = new ShapleyAttribution(fitted, target, options.Samples);
        var rowNoise = scores.Select(s => s.Noise[row]).ToArray();
        return shapley.Attribute(rowNoise, data.Anomalies[fitted.Model.Graph.Names[target]][row], HashCode.Combine(options.Seed, data.RowIndex[row]), options.Permutations);
    }

    /// <summary>The rows from per-node scores (and attributions of the alerting rows, for Shapley).</summary>
    public static LocalizationResult Assemble(CausalModel model, LocalizationData data, IReadOnlyList<NodeScoring> scores, IReadOnlyList<NodeFitQuality> fits,
        LocalizeOptions options, IReadOnlyDictionary<int, Attribution> attributions)
    {
        options.Validate(model);
        var rows = new LocalizedRow[data.Anomalies.Rows];
        var coupling = options.RanksByCoupling ? new NoiseCoupling(scores.Select(s => s.StandardNoise).ToList()) : NoiseCoupling.None;
        Parallel.For(0, rows.Length, r => rows[r] = LocalizeRow(model, data, scores, coupling, r, options, attributions.GetValueOrDefault(r)));
        var all = new List<LocalizedRow>(rows);
        foreach (var dropped in data.DroppedRows)
            all.Add(new LocalizedRow(dropped, RowStatus.Dropped, [], new Dictionary<string, double>(), new Dictionary<string, double>(), [], [], null, null));
        return new LocalizationResult(all.OrderBy(r => r.Row).ToList(), fits, options);
    }

    private static LocalizedRow LocalizeRow(CausalModel model, LocalizationData data, IReadOnlyList<NodeScoring> nodeScores, NoiseCoupling coupling, int r,
        LocalizeOptions options, Attribution? attribution)
    {
        var g = model.Graph;
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
            var cdf = nodeScores[v].Cdf[r];
            scores[g.Names[v]] = cdf;
            surprise[v] = nodeScores[v].Surprise[r];
            surpriseByName[g.Names[v]] = surprise[v];
            if (cdf < options.Pi || cdf > 1 - options.Pi) flagged.Add(v);
        }
        var rootCauses = flagged.Select(v => g.Names[v]).ToList();
        var rowIndex = data.RowIndex[r];
        var unobservedNames = unobserved.Select(v => g.Names[v]).ToList();

        var targetName = options.Method == RankingMethod.Shapley ? options.ShapleyTarget(model) : options.Target;
        if (targetName is null)
        {
            var ranking = flagged.OrderByDescending(v => surprise[v]).ThenBy(v => v).Select(v => new RankedNode(g.Names[v], surprise[v])).ToList();
            return new LocalizedRow(rowIndex, ranking.Count > 0 ? RowStatus.Ok : RowStatus.NoCandidate, rootCauses, scores, surpriseByName, ranking,
                unobservedNames, null, null);
        }

        var target = g.IndexOf(targetName);
        if (unobserved.Contains(target))
            return new LocalizedRow(rowIndex, RowStatus.TargetNotAnomalous, rootCauses, scores, surpriseByName, [], unobservedNames, null, null);
        // The target is anomalous by the same two-sided pi test RootCLAM applies to noises, on its value.
        var targetTail = nodeScores[target].ValueTail[r];
        if (targetTail >= 2 * options.Pi)
            return new LocalizedRow(rowIndex, RowStatus.TargetNotAnomalous, rootCauses, scores, surpriseByName, [], unobservedNames, targetTail, null);

        if (options.Method == RankingMethod.Shapley)
        {
            var shares = attribution ?? throw new InvalidOperationException($"row {rowIndex} has no attribution");
            var ranked = shares.Attributions.Where(kv => kv.Value > 0 && !unobserved.Contains(kv.Key))
                .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => new RankedNode(g.Names[kv.Key], kv.Value)).ToList();
            return new LocalizedRow(rowIndex, ranked.Count > 0 ? RowStatus.Ok : RowStatus.NoCandidate, rootCauses, scores, surpriseByName, ranked,
                unobservedNames, targetTail, shares);
        }

        // Blame upstream nodes (the target included) whose noise is surprising at the family-wise level.
        var upstream = g.Ancestors([target]);
        // And outside everything normal operation showed (two-sided tail below 1/n): a chance-blamed ancestor
        // would otherwise claim its pushed descendants under the single-cause ranking.
        var level = options.BlameLevel / upstream.Count(u => u);
        var candidates = Enumerable.Range(0, g.Count).Where(v => upstream[v] && !unobserved.Contains(v)
            && surprise[v] > -Math.Log(Math.Min(level, 1.0 / nodeScores[v].NormalCount))).ToList();
        // Evidence: every node anomalous at pi (the localization's own flag), upstream of the target or not.
        var single = SingleCauseRanking(g, candidates, flagged.Union(candidates).ToList(), surprise, coupling, upstream);
        var blamed = single.Select(x => new RankedNode(g.Names[x.Node], x.Score, x.MovedWith.Select(w => g.Names[w]).ToList())).ToList();
        if (blamed.Count > 0)
            blamed.AddRange(LesserSuspects(g, upstream, flagged, single.Select(x => x.Node).ToHashSet(), surprise));
        return new LocalizedRow(rowIndex, blamed.Count > 0 ? RowStatus.Ok : RowStatus.NoCandidate, rootCauses, scores, surpriseByName, blamed,
            unobservedNames, targetTail, null);
    }

    /// <summary>
    /// After the named nodes, the other upstream nodes anomalous at pi (observed: <paramref name="flagged"/> holds
    /// only those), most surprising first, scored by their own surprise. A true cause whose own noise stays inside
    /// the family-wise level (its children carry most of the anomaly) is then still among the first few. Each such
    /// surprise is at most the blame level's, and a blamed node's score is at least its own surprise, above that
    /// level: the scores keep falling down the list. Only when someone is blamed: a row blames nobody or lists its
    /// suspects, so a normal row's list stays empty.
    /// </summary>
    private static IEnumerable<RankedNode> LesserSuspects(Graphs.CausalGraph g, bool[] upstream, IReadOnlyList<int> flagged, HashSet<int> named,
        IReadOnlyList<double> surprise) =>
        flagged.Where(v => upstream[v] && !named.Contains(v)).OrderByDescending(v => surprise[v]).ThenBy(v => v)
            .Select(v => new RankedNode(g.Names[v], surprise[v]));
}
