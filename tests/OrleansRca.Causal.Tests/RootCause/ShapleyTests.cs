using MathNet.Numerics.Distributions;

namespace OrleansRca.Causal.Tests.RootCause;

/// <summary>Shapley attribution of an outlier score (Janzing et al. 2019) against its defining properties.</summary>
public sealed class ShapleyTests
{
    // x1 -> x2 -> x4, x3 -> x4, x1 -> x4: five upstream players for the target x5 (x4 -> x5).
    private const string Model = """
        {"nodes":[{"name":"x1"},{"name":"x2"},{"name":"x3"},{"name":"x4"},{"name":"x5"}],
         "edges":[["x1","x2"],["x2","x4"],["x3","x4"],["x1","x4"],["x4","x5"]],
         "mechanisms":{"x2":{"kind":"linear","weights":{"x1":1.5}},"x4":{"kind":"formula","expression":"x2 + max(x3, 0) - 0.5*x1"},
                       "x5":{"kind":"linear","intercept":2,"weights":{"x4":1}}}}
        """;

    private static (RootCauseModel Fitted, double[] RowNoise, double Target) Setup(double push)
    {
        var model = ModelFile.Parse(Model);
        var random = new Random(11);
        var n = 3000;
        var u = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, n).Select(_ => Normal.Sample(random, 0, 1)).ToArray()).ToArray();
        double[] Row(double[] e)
        {
            var x1 = e[0]; var x2 = 1.5 * x1 + e[1]; var x3 = e[2]; var x4 = x2 + Math.Max(x3, 0) - 0.5 * x1 + e[3]; var x5 = 2 + x4 + e[4];
            return [x1, x2, x3, x4, x5];
        }
        var rows = Enumerable.Range(0, n).Select(r => Row(u.Select(c => c[r]).ToArray())).ToArray();
        var normal = new DataTable(["x1", "x2", "x3", "x4", "x5"], Enumerable.Range(0, 5).Select(k => rows.Select(r => r[k]).ToArray()).ToArray());
        var fitted = RootCauseModel.Fit(model, normal);
        double[] noise = [0.3, push, -0.2, 0.1, 0.4];
        return (fitted, noise, Row(noise)[4]);
    }

    [Fact]
    public void Exact_attributions_sum_to_the_outlier_score_and_equal_the_average_over_all_orderings()
    {
        var (fitted, noise, target) = Setup(push: 4);
        var shapley = new ShapleyAttribution(fitted, 4, samples: 500);
        var result = shapley.Attribute(noise, target, seed: 3, exact: true);
        Assert.True(result.Exact);
        Assert.Equal(result.OutlierScore, result.Attributions.Values.Sum(), 1e-9);
        Assert.True(result.OutlierScore > 3);
        Assert.Equal(1, result.Attributions.MaxBy(kv => kv.Value).Key); // x2, the pushed noise

        // Independent reference: every one of the 5! orderings, marginal contributions of the set function.
        var players = shapley.Nodes.ToArray();
        var reference = new double[5];
        var orders = Permutations(Enumerable.Range(0, players.Length).ToArray()).ToList();
        foreach (var order in orders)
        {
            var member = new bool[players.Length];
            var previous = shapley.SetValue(noise, target, 3, member);
            foreach (var j in order)
            {
                member[j] = true;
                var value = shapley.SetValue(noise, target, 3, member);
                reference[j] += (value - previous) / orders.Count;
                previous = value;
            }
        }
        for (var j = 0; j < players.Length; j++)
            Assert.Equal(reference[j], result.Attributions[players[j]], 1e-9);
    }

    [Fact]
    public void Sampled_attributions_sum_exactly_and_agree_with_enumeration_within_their_stated_error()
    {
        var (fitted, noise, target) = Setup(push: 3);
        var shapley = new ShapleyAttribution(fitted, 4, samples: 500);
        var exact = shapley.Attribute(noise, target, seed: 5, exact: true);
        var sampled = shapley.Attribute(noise, target, seed: 5, permutations: 400, exact: false);
        Assert.False(sampled.Exact);
        Assert.Equal(sampled.OutlierScore, sampled.Attributions.Values.Sum(), 1e-9);
        Assert.Equal(exact.OutlierScore, sampled.OutlierScore, 1e-12);
        foreach (var (node, share) in exact.Attributions)
            Assert.InRange(sampled.Attributions[node], share - 5 * sampled.StandardErrors[node] - 1e-9, share + 5 * sampled.StandardErrors[node] + 1e-9);
    }

    [Fact]
    public void A_normal_target_is_not_attributed_and_the_localizer_ranks_the_pushed_node_first()
    {
        var (fitted, noise, target) = Setup(push: 5);
        var g = fitted.Model.Graph;
        var columns = Enumerable.Range(0, 5).Select(k => new[] { 0.0, 0.0 }).ToArray();
        // Row 0: the pushed row; row 1: every noise zero (a normal target).
        double[] quiet = [0, 0, 0, 0, 0];
        double Value(double[] e, int k)
        {
            var x1 = e[0]; var x2 = 1.5 * x1 + e[1]; var x3 = e[2]; var x4 = x2 + Math.Max(x3, 0) - 0.5 * x1 + e[3];
            return new[] { x1, x2, x3, x4, 2 + x4 + e[4] }[k];
        }
        for (var k = 0; k < 5; k++) { columns[k][0] = Value(noise, k); columns[k][1] = Value(quiet, k); }
        Assert.Equal(target, columns[4][0], 1e-12);
        var anomalies = new DataTable(g.Names, columns);
        var data = LocalizationData.Create(fitted.Model, anomalies, anomalies, MissingPolicy.Error);
        var result = Localizer.Localize(fitted, data, new LocalizeOptions { Target = "x5", Method = RankingMethod.Shapley, Samples = 500 });
        Assert.Equal("x2", result.Rows[0].Ranking[0].Node);
        Assert.Equal(RowStatus.TargetNotAnomalous, result.Rows[1].Status);
        Assert.Empty(result.Rows[1].Ranking);
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1) { yield return items; yield break; }
        for (var i = 0; i < items.Length; i++)
            foreach (var rest in Permutations(items.Where((_, k) => k != i).ToArray()))
                yield return [items[i], .. rest];
    }
}
