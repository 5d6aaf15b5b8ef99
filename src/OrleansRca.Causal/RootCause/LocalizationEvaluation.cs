using System.Text.Json.Nodes;
using OrleansRca.Causal.Mitigation;
using OrleansRca.Causal.Synthetic;

namespace OrleansRca.Causal.RootCause;

/// <summary>Pooled binary classification over (row, candidate) pairs, RootCLAM's table 3.</summary>
public sealed record PooledMetrics(string Method, int Rows, double Accuracy, double Precision, double Recall, double F1)
{
    public static PooledMetrics From(string method, int rows, int tp, int fp, int fn, int tn)
    {
        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new PooledMetrics(method, rows, (double)(tp + tn) / Math.Max(1, tp + fp + fn + tn), precision, recall, f1);
    }
}

/// <summary>One RootCLAM setting (data set × mechanisms) with every method's figures.</summary>
public sealed record RootClamReport(string Dataset, string Mechanisms, int Seed, int Anomalies, int Detected, double FalseAlarmRate,
    IReadOnlyList<PooledMetrics> Methods);

/// <summary>Top-k recall and specificity on one metric of a PetShop-format folder.</summary>
public sealed record PetShopReport(string Metric, string Method, int Issues, double Top1, double Top3, double Specificity, int Splits,
    IReadOnlyList<(string Issue, string Truth, IReadOnlyList<string> Ranked)> Details);

/// <summary>DoWhy's microservice example: what is flagged on the single outlier and on the degraded rows.</summary>
public sealed record MicroserviceReport(IReadOnlyList<string> OutlierFlagged, string? OutlierTop, string? OutlierTopWithTarget,
    int DegradedRows, double CachingFlagged, double MeanOthersFlagged, double CachingTopWithTarget, double CachingTop,
    IReadOnlyDictionary<string, double> FlagRates, IReadOnlyList<string> OutlierFamilyWise, double CachingFamilyWise, double MeanOthersFamilyWise);

/// <summary>
/// The evaluation protocols of the papers, run afresh: RootCLAM's Loan and Adult (seeded SCMs, detector at the
/// 0.995 normal quantile, metrics pooled per (row, candidate)), the PetShop benchmark's top-k recall and
/// specificity, and DoWhy's microservice example.
/// </summary>
public static class LocalizationEvaluation
{
    // ---------------------------------------------------------------- RootCLAM

    /// <summary>
    /// RootCLAM's protocol: <paramref name="fitRows"/> normal rows to fit the model and the detector, a test set of
    /// <paramref name="testNormal"/> normal and <paramref name="anomalies"/> anomalous rows; root-cause figures on the
    /// anomalous rows the detector flags. <paramref name="model"/> holds the true mechanisms or none (fitted).
    /// </summary>
    public static RootClamReport RootClam(RootClamScm scm, CausalModel model, string mechanisms, int seed, double pi = 0.125,
        int fitRows = 10_000, int testNormal = 10_000, int anomalies = 1_000)
    {
        var sample = scm.Generate(fitRows + testNormal, anomalies, seed);
        var all = Enumerable.Range(0, sample.Rows).ToArray();
        var fit = sample.Data.SelectRows(all[..fitRows]);
        var test = all[fitRows..];
        var detector = AnomalyDetector.Train(DetectorKind.Mahalanobis, fit, scm.DetectorNodes ?? scm.Nodes).Embed(scm.Nodes);
        var detected = test.Where(r => detector.Score(sample.Row(r)) > detector.Threshold).ToArray();
        var falseAlarms = detected.Count(r => !sample.IsAnomaly(r));
        var rows = detected.Where(sample.IsAnomaly).ToArray();

        var fitted = RootCauseModel.Fit(model, fit);
        var data = LocalizationData.Create(model, fit, sample.Data.SelectRows(rows), MissingPolicy.Error);
        var result = Localizer.Localize(fitted, data, new LocalizeOptions { Pi = pi });
        var candidates = scm.Candidates;
        var methods = new List<PooledMetrics>();
        // The plain rule (RootCLAM's): a candidate is a root cause when its noise CDF is outside [pi, 1 − pi].
        methods.Add(Pool($"noise CDF, pi = {pi}", rows, sample, candidates, (i, c) => result.Rows[i].RootCauses.Contains(c)));
        // The row is known to be anomalous: when no candidate is flagged, the most surprising one is.
        methods.Add(Pool("noise CDF + at least one", rows, sample, candidates, (i, c) =>
            result.Rows[i].RootCauses.Any(candidates.Contains) ? result.Rows[i].RootCauses.Contains(c)
                : candidates.MaxBy(k => result.Rows[i].Surprise[k]) == c));
        // A root cause is usually one node: only the most surprising candidate.
        methods.Add(Pool("most surprising candidate only", rows, sample, candidates, (i, c) => candidates.MaxBy(k => result.Rows[i].Surprise[k]) == c));
        // Family-wise: a candidate's two-sided noise tail below 0.05 over the number of candidates (the blame rule of --target).
        var familyWise = -Math.Log(0.05 / candidates.Count);
        methods.Add(Pool("noise tail < 0.05 / candidates", rows, sample, candidates, (i, c) => result.Rows[i].Surprise[c] > familyWise));
        methods.Add(Pool("flag every candidate", rows, sample, candidates, (_, _) => true));
        var normalTest = test.Length - anomalies;
        return new RootClamReport(scm.Name, mechanisms, seed, anomalies, rows.Length, normalTest == 0 ? 0 : (double)falseAlarms / normalTest, methods);
    }

    private static PooledMetrics Pool(string method, int[] rows, RootClamSample sample, IReadOnlyList<string> candidates, Func<int, string, bool> predicted)
    {
        int tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var truth = sample.RootCauses(rows[i]);
            foreach (var c in candidates)
            {
                var p = predicted(i, c);
                var t = truth.Contains(c);
                if (p && t) tp++; else if (p) fp++; else if (t) fn++; else tn++;
            }
        }
        return PooledMetrics.From(method, rows.Length, tp, fp, fn, tn);
    }

    // ---------------------------------------------------------------- PetShop

    /// <summary>
    /// A PetShop-format folder (see its README): per metric, the model, the normal period and the issues. The
    /// benchmark's protocol: analyse row 2 of the issue window, or the next row where the target is anomalous;
    /// top-k recall of the true root cause; specificity on the normal period split at 50%, 60%, ... (the later
    /// part as the "issue"), counting the splits where nobody is blamed.
    /// </summary>
    public static IReadOnlyList<PetShopReport> PetShop(string folder, MissingPolicy missing, IReadOnlyList<(string Name, LocalizeOptions Options)> methods)
    {
        var issues = Directory.GetDirectories(folder).Where(d => File.Exists(Path.Combine(d, "truth.json")))
            .OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (issues.Count == 0) throw new InputException($"'{folder}' has no issue folders with a truth.json");
        var truths = issues.Select(d => (Dir: d, Truth: ReadTruth(Path.Combine(d, "truth.json")))).ToList();
        var reports = new List<PetShopReport>();
        foreach (var metric in truths.Select(t => t.Truth.Metric).Distinct().OrderBy(m => m == "latency" ? 0 : 1))
        {
            var model = ModelFile.Load(Path.Combine(folder, $"model-{metric}.json"));
            var names = model.Nodes.Select(n => n.Name).ToList();
            var normalRaw = CsvData.Load(Path.Combine(folder, $"normal-{metric}.csv"), names, null, missing);
            var ofMetric = truths.Where(t => t.Truth.Metric == metric).ToList();
            var fitted = RootCauseModel.Fit(model, MissingValues.Fill(normalRaw, missing, "normal data"));
            var splits = SpecificitySplits(normalRaw.Rows);
            // Specificity fits: one per split, shared by every method.
            var splitFits = splits.Select(s =>
            {
                var head = normalRaw.SelectRows(Enumerable.Range(0, s).ToArray());
                var tail = normalRaw.SelectRows(Enumerable.Range(s, normalRaw.Rows - s).ToArray());
                // A node never observed in the shorter normal period cannot be modelled: marginalise it, as the
                // benchmark's own preparation does for nodes without data.
                var splitModel = Marginalize(model, names.Where(n => Array.TrueForAll(head[n], double.IsNaN)).ToHashSet());
                var data = LocalizationData.Create(splitModel, head, tail, missing);
                return (Data: data, Fitted: RootCauseModel.Fit(splitModel, data.Normal));
            }).ToList();
            foreach (var (name, baseOptions) in methods)
            {
                var top1 = 0; var top3 = 0;
                var details = new List<(string, string, IReadOnlyList<string>)>();
                foreach (var (dir, truth) in ofMetric)
                {
                    var anomalies = CsvData.Load(Path.Combine(dir, "anomalies.csv"), names, null, missing);
                    var data = LocalizationData.Create(model, normalRaw, anomalies, missing);
                    var ranked = Analysed(Localizer.Localize(fitted, data, baseOptions with { Target = truth.Target }), name == PlainRule ? model : null);
                    if (ranked.Take(1).Contains(truth.RootCause)) top1++;
                    if (ranked.Take(3).Contains(truth.RootCause)) top3++;
                    details.Add((Path.GetFileName(dir), truth.RootCause, ranked));
                }
                var target = ofMetric[0].Truth.Target;
                var specific = splitFits.Count(s => Analysed(Localizer.Localize(s.Fitted, s.Data, baseOptions with { Target = target }), name == PlainRule ? s.Data.Model : null).Count == 0);
                reports.Add(new PetShopReport(metric, name, ofMetric.Count, (double)top1 / ofMetric.Count, (double)top3 / ofMetric.Count,
                    splits.Count == 0 ? double.NaN : (double)specific / splits.Count, splits.Count, details));
            }
        }
        return reports;
    }

    /// <summary>
    /// The model without <paramref name="nodes"/>: each removed node's parents are joined to its children (the
    /// PetShop preparation's marginalisation). Only for models without mechanisms.
    /// </summary>
    public static CausalModel Marginalize(CausalModel model, IReadOnlySet<string> nodes)
    {
        if (nodes.Count == 0) return model;
        var g = model.Graph;
        var edges = new HashSet<(string, string)>();
        for (var c = 0; c < g.Count; c++)
            foreach (var p in g.Parents[c])
                edges.Add((g.Names[p], g.Names[c]));
        foreach (var node in nodes)
        {
            var parents = edges.Where(e => e.Item2 == node).Select(e => e.Item1).ToList();
            var children = edges.Where(e => e.Item1 == node).Select(e => e.Item2).ToList();
            edges.RemoveWhere(e => e.Item1 == node || e.Item2 == node);
            foreach (var p in parents)
                foreach (var c in children)
                    if (p != c) edges.Add((p, c));
        }
        var kept = model.Nodes.Where(n => !nodes.Contains(n.Name)).ToList();
        var graph = Graphs.CausalGraph.Create(kept.Select(n => n.Name).ToList(), edges.OrderBy(e => e.Item1, StringComparer.Ordinal).ThenBy(e => e.Item2, StringComparer.Ordinal));
        return new CausalModel(model.Name, graph, kept, new Mechanism?[kept.Count]);
    }

    /// <summary>The benchmark's split points: range(n/2, n − 3, int(0.1 n)).</summary>
    public static IReadOnlyList<int> SpecificitySplits(int n)
    {
        var step = (int)(n * 0.1);
        var splits = new List<int>();
        if (step <= 0) return splits;
        for (var s = n / 2; s < n - 3; s += step) splits.Add(s);
        return splits;
    }

    /// <summary>The method name that ranks by the plain rule (<see cref="Analysed"/> with a model).</summary>
    public const string PlainRule = "plain rule: upstream nodes flagged at pi, by surprise";

    /// <summary>
    /// The benchmark's analysed row: index 2, or the first later row where the target is anomalous; its ranking.
    /// With <paramref name="plainRule"/> (the model), the ranking is RootCLAM's plain rule instead: the target's
    /// upstream nodes flagged at pi, most surprising first.
    /// </summary>
    public static IReadOnlyList<string> Analysed(LocalizationResult result, CausalModel? plainRule = null)
    {
        var rows = result.Rows.Where(r => r.Row >= 2).OrderBy(r => r.Row).ToList();
        var row = rows.FirstOrDefault(r => r.Status is not (RowStatus.TargetNotAnomalous or RowStatus.Dropped));
        if (row is null) return [];
        if (plainRule is null) return row.Ranking.Select(x => x.Node).ToList();
        var g = plainRule.Graph;
        var upstream = g.Ancestors([g.IndexOf(result.Options.Target!)]);
        return row.RootCauses.Where(n => upstream[g.IndexOf(n)]).OrderByDescending(n => row.Surprise[n]).ToList();
    }

    private sealed record Truth(string Metric, string Target, string RootCause);

    private static Truth ReadTruth(string path)
    {
        var what = $"truth file '{path}'";
        var o = DocumentJson.ParseObject(File.ReadAllText(path), what);
        return new Truth(DocumentJson.RequiredString(o, "metric", what), DocumentJson.RequiredString(o, "target", what),
            DocumentJson.RequiredString(o, "root_cause", what));
    }

    // ---------------------------------------------------------------- DoWhy microservice

    /// <summary>The microservice example: the single outlier and the 1,000 degraded rows, root cause Caching Service.</summary>
    public static MicroserviceReport Microservice(string folder, LocalizeOptions options, string rootCause = "Caching Service", string target = "Website")
    {
        var model = ModelFile.Load(Path.Combine(folder, "model.json"));
        var names = model.Nodes.Select(n => n.Name).ToList();
        var normal = CsvData.Load(Path.Combine(folder, "rca_microservice_architecture_latencies.csv"), names);
        var outlier = CsvData.Load(Path.Combine(folder, "rca_microservice_architecture_anomaly.csv"), names);
        var degraded = CsvData.Load(Path.Combine(folder, "rca_microservice_architecture_anomaly_1000.csv"), names);
        var fitted = RootCauseModel.Fit(model, normal);
        var single = Localizer.Localize(fitted, LocalizationData.Create(model, normal, outlier, MissingPolicy.Error), options).Rows[0];
        var singleTarget = Localizer.Localize(fitted, LocalizationData.Create(model, normal, outlier, MissingPolicy.Error), options with { Target = target }).Rows[0];
        var rows = Localizer.Localize(fitted, LocalizationData.Create(model, normal, degraded, MissingPolicy.Error), options).Rows;
        var rowsTarget = Localizer.Localize(fitted, LocalizationData.Create(model, normal, degraded, MissingPolicy.Error), options with { Target = target }).Rows;
        var n = rows.Count;
        // Family-wise flags: a noise tail below 0.05 over the number of nodes (few false flags per row).
        var familyWise = -Math.Log(0.05 / names.Count);
        IReadOnlyList<string> Strict(LocalizedRow r) => names.Where(v => r.Surprise[v] > familyWise).ToList();
        return new MicroserviceReport(single.RootCauses, single.Ranking.FirstOrDefault()?.Node, singleTarget.Ranking.FirstOrDefault()?.Node, n,
            (double)rows.Count(r => r.RootCauses.Contains(rootCause)) / n,
            rows.Average(r => r.RootCauses.Count(c => c != rootCause)),
            (double)rowsTarget.Count(r => r.Ranking.FirstOrDefault()?.Node == rootCause) / n,
            (double)rows.Count(r => r.Ranking.FirstOrDefault()?.Node == rootCause) / n,
            names.ToDictionary(v => v, v => (double)rows.Count(r => r.RootCauses.Contains(v)) / n),
            Strict(single), (double)rows.Count(r => Strict(r).Contains(rootCause)) / n, rows.Average(r => Strict(r).Count(c => c != rootCause)));
    }
}
