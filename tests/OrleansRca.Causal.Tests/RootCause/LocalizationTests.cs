using MathNet.Numerics.Distributions;

namespace OrleansRca.Causal.Tests.RootCause;

/// <summary>The localization core against closed forms and hand-written simulations.</summary>
public sealed class LocalizationTests
{
    // a -> b -> c, a -> c; generated here by hand, independent of the engine's propagation.
    private const string ChainModel = """
        {"nodes":[{"name":"a"},{"name":"b"},{"name":"c"}],"edges":[["a","b"],["b","c"],["a","c"]],
         "mechanisms":{"b":{"kind":"linear","intercept":1,"weights":{"a":2}},"c":{"kind":"linear","intercept":-0.5,"weights":{"b":0.5,"a":-1}}}}
        """;

    private static (DataTable Data, double[][] Noise) Chain(int rows, int seed, double shiftB = 0)
    {
        var random = new Random(seed);
        var u = new double[3][];
        for (var k = 0; k < 3; k++) u[k] = Enumerable.Range(0, rows).Select(_ => Normal.Sample(random, 0, 1 + k)).ToArray();
        for (var r = 0; r < rows; r++) u[1][r] += shiftB;
        var a = u[0];
        var b = Enumerable.Range(0, rows).Select(r => 1 + 2 * a[r] + u[1][r]).ToArray();
        var c = Enumerable.Range(0, rows).Select(r => -0.5 + 0.5 * b[r] - a[r] + u[2][r]).ToArray();
        return (new DataTable(["a", "b", "c"], [a, b, c]), u);
    }

    [Fact]
    public void Abducted_noise_equals_the_generating_noise_on_a_known_linear_scm()
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(2000, 1);
        var (anomalies, noise) = Chain(300, 2, shiftB: 3);
        var fitted = RootCauseModel.Fit(model, normal);
        var abducted = fitted.Abduct(anomalies);
        for (var k = 0; k < 3; k++)
            for (var r = 0; r < 300; r++)
                Assert.Equal(noise[k][r], abducted[k][r], 1e-9);
        Assert.All(fitted.Fits.Skip(1), f => Assert.Equal("given", f.Quality.Family));
    }

    [Fact]
    public void Fitted_linear_mechanisms_recover_the_noise_up_to_estimation_error()
    {
        var skeleton = ModelFile.Parse(ChainModel.Replace("\"mechanisms\"", "\"unused\""));
        var (normal, _) = Chain(5000, 3);
        var (anomalies, noise) = Chain(200, 4);
        var fitted = RootCauseModel.Fit(skeleton, normal);
        Assert.All(fitted.Fits.Skip(1), f => Assert.Equal("linear", f.Quality.Family));
        var abducted = fitted.Abduct(anomalies);
        for (var k = 1; k < 3; k++)
            for (var r = 0; r < 200; r++)
                Assert.Equal(noise[k][r], abducted[k][r], 0.15);
    }

    [Theory]
    [InlineData(0.125, 1.5)]
    [InlineData(0.05, 2.0)]
    [InlineData(0.2, 0.5)]
    public void A_k_sd_shift_is_flagged_with_the_probability_the_normal_cdf_predicts(double pi, double k)
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(20_000, 5);
        var rows = 4000;
        // b's noise has sd 2: shift it by k sd.
        var (anomalies, _) = Chain(rows, 6, shiftB: 2 * k);
        var result = Localizer.Run(LocalizationData.Create(model, normal, anomalies, MissingPolicy.Error), new LocalizeOptions { Pi = pi });
        var rate = result.Rows.Count(r => r.RootCauses.Contains("b")) / (double)rows;
        var expected = Normal.CDF(0, 1, Normal.InvCDF(0, 1, pi) - k) + 1 - Normal.CDF(0, 1, Normal.InvCDF(0, 1, 1 - pi) - k);
        // Binomial sampling error of the rate, plus the empirical CDF's own error on 20,000 normal rows.
        var tolerance = 4 * Math.Sqrt(expected * (1 - expected) / rows) + 4 * Math.Sqrt(pi / 20_000);
        Assert.InRange(rate, expected - tolerance, expected + tolerance);
        // Unshifted nodes are flagged at the nominal two-sided rate 2 pi.
        var falseRate = result.Rows.Count(r => r.RootCauses.Contains("a")) / (double)rows;
        Assert.InRange(falseRate, 2 * pi - 4 * Math.Sqrt(2 * pi * (1 - 2 * pi) / rows) - 0.01, 2 * pi + 4 * Math.Sqrt(2 * pi * (1 - 2 * pi) / rows) + 0.01);
    }

    [Fact]
    public void Noise_cdf_matches_the_empirical_cdf_and_tails_stay_ordered()
    {
        var sample = Enumerable.Range(0, 1000).Select(i => (double)i).ToArray();
        var d = NoiseDistribution.FromSample(sample);
        Assert.Equal(0.5005, d.Cdf(500), 1e-12);
        Assert.Equal(0.0005, d.Cdf(0), 1e-12);
        Assert.True(d.Cdf(-5) < d.Cdf(-1) && d.Cdf(-1) < d.Cdf(0));
        Assert.True(d.Surprise(1100) > d.Surprise(1010) && d.Surprise(1010) > d.Surprise(999));
        Assert.True(double.IsFinite(d.Surprise(1e6)));
        var constant = NoiseDistribution.FromSample([100, 100, 100, 100]);
        Assert.Equal(0.5, constant.Cdf(100));
        Assert.True(constant.Surprise(97) > constant.Surprise(99.9) && constant.Surprise(99.9) > 0.5);
    }

    [Fact]
    public void The_pushed_node_upstream_of_the_target_is_ranked_first_and_a_normal_target_gets_an_empty_ranking()
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(5000, 7);
        var (pushed, _) = Chain(50, 8, shiftB: 40);
        var result = Localizer.Run(LocalizationData.Create(model, normal, pushed, MissingPolicy.Error), new LocalizeOptions { Target = "c" });
        Assert.All(result.Rows, r => Assert.Equal("b", r.Ranking[0].Node));
        Assert.All(result.Rows, r => Assert.True(r.Ranking.Zip(r.Ranking.Skip(1)).All(p => p.First.Score >= p.Second.Score)));
        // A row at the normal medians: the target is not anomalous, so nobody is blamed.
        var median = new DataTable(["a", "b", "c"], [[0.0], [1.0], [0.0]]);
        var quiet = Localizer.Run(LocalizationData.Create(model, normal, median, MissingPolicy.Error), new LocalizeOptions { Target = "c" });
        Assert.Equal(RowStatus.TargetNotAnomalous, quiet.Rows[0].Status);
        Assert.Empty(quiet.Rows[0].Ranking);
    }

    [Fact]
    public void Lesser_suspects_follow_the_blamed_nodes_with_lower_scores_and_only_when_someone_is_blamed()
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(5000, 11);
        // Noise of a at 1.6 sd (anomalous at pi, far inside the family-wise level). Row 0: b's noise pushed by
        // 40 (20 sd), so b is blamed and a follows. Row 1: c's own noise at 2.5 sd makes the target anomalous,
        // but no upstream noise reaches the family-wise level: nobody is blamed, a included.
        var a = 1.6;
        double[] b = [1 + 2 * a + 40, 1 + 2 * a];
        double[] c = [-0.5 + 0.5 * b[0] - a, -0.5 + 0.5 * b[1] - a + 7.5];
        var rows = new DataTable(["a", "b", "c"], [[a, a], b, c]);
        var result = Localizer.Run(LocalizationData.Create(model, normal, rows, MissingPolicy.Error), new LocalizeOptions { Target = "c" });

        var blamed = result.Rows[0];
        Assert.Equal(["b", "a"], blamed.Ranking.Select(r => r.Node));
        Assert.True(blamed.Ranking[0].Score > blamed.Ranking[1].Score);
        Assert.Equal(blamed.Surprise["a"], blamed.Ranking[1].Score, 12);
        Assert.Contains("a", blamed.RootCauses);

        var nobody = result.Rows[1];
        Assert.Equal(RowStatus.NoCandidate, nobody.Status);
        Assert.Contains("a", nobody.RootCauses);
        Assert.Empty(nobody.Ranking);
    }

    [Fact]
    public void A_row_with_no_candidate_is_a_row_status_not_an_error()
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(5000, 9);
        var median = new DataTable(["a", "b", "c"], [[0.0], [1.0], [0.0]]);
        var result = Localizer.Run(LocalizationData.Create(model, normal, median, MissingPolicy.Error), new LocalizeOptions());
        Assert.Equal(RowStatus.NoCandidate, result.Rows[0].Status);
        Assert.Empty(result.Rows[0].RootCauses);
        Assert.Empty(result.Rows[0].Ranking);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.7)]
    [InlineData(-0.1)]
    public void Pi_outside_zero_half_is_an_error_naming_pi(double pi)
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(100, 1);
        var e = Assert.Throws<InputException>(() => Localizer.Run(LocalizationData.Create(model, normal, normal, MissingPolicy.Error), new LocalizeOptions { Pi = pi }));
        Assert.Contains("pi", e.Message);
    }

    [Fact]
    public void A_target_that_is_not_a_node_is_an_error_naming_it()
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(100, 1);
        var e = Assert.Throws<InputException>(() => Localizer.Run(LocalizationData.Create(model, normal, normal, MissingPolicy.Error), new LocalizeOptions { Target = "website" }));
        Assert.Contains("'website'", e.Message);
    }

    [Fact]
    public void Anomalies_lacking_a_model_column_are_an_error_naming_the_column()
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(100, 1);
        var e = Assert.Throws<InputException>(() => LocalizationData.Parse(model, Csv(normal), "a,b\n1,2\n", MissingPolicy.Error));
        Assert.Contains("'c'", e.Message);
    }

    [Fact]
    public void An_all_missing_normal_column_is_an_error_naming_it_under_every_filling_policy()
    {
        var model = ModelFile.Parse(ChainModel);
        var normal = "a,b,c\n1,,3\n2,,4\n3,,5\n";
        foreach (var policy in new[] { MissingPolicy.Mean, MissingPolicy.Interpolate, MissingPolicy.Drop })
        {
            var e = Assert.Throws<InputException>(() => LocalizationData.Parse(model, normal, "a,b,c\n1,2,3\n", policy));
            Assert.Contains("'b'", e.Message);
        }
    }

    [Fact]
    public void Gaps_in_anomalies_are_unobserved_nodes_never_blamed_and_drop_keeps_file_row_indices()
    {
        var model = ModelFile.Parse(ChainModel);
        var (normal, _) = Chain(2000, 10);
        var anomalies = "a,b,c\n0,1,0\n0,,0\n0,41,20\n";
        var filled = Localizer.Run(LocalizationData.Parse(model, Csv(normal), anomalies, MissingPolicy.Mean), new LocalizeOptions());
        Assert.Equal(["b"], filled.Rows[1].Unobserved);
        Assert.DoesNotContain("b", filled.Rows[1].Scores.Keys);
        Assert.DoesNotContain("b", filled.Rows[1].RootCauses);
        var dropped = Localizer.Run(LocalizationData.Parse(model, Csv(normal), anomalies, MissingPolicy.Drop), new LocalizeOptions());
        Assert.Equal([0, 1, 2], dropped.Rows.Select(r => r.Row));
        Assert.Equal(RowStatus.Dropped, dropped.Rows[1].Status);
        Assert.Contains("b", dropped.Rows[2].RootCauses);
    }

    internal static string Csv(DataTable t) =>
        string.Join(",", t.Names) + "\n" + string.Join("\n", Enumerable.Range(0, t.Rows).Select(r =>
            string.Join(",", t.Columns.Select(c => c[r].ToString("R", System.Globalization.CultureInfo.InvariantCulture))))) + "\n";

    /// <summary>
    /// A pushed node moves all of its descendants: anomalous ones off the path to the alerting node count for it too.
    /// A -> T, A -> C, B -> T with C anomalous: A explains 4 + 5, B only its own 7.
    /// </summary>
    [Fact]
    public void Single_cause_ranking_counts_anomalous_descendants_off_the_path_to_the_target()
    {
        var g = OrleansRca.Causal.Graphs.CausalGraph.Create(["A", "B", "C", "T"], [("A", "T"), ("A", "C"), ("B", "T")]);
        double[] surprise = [4, 7, 5, 0];
        var ranked = Pairs(Localizer.SingleCauseRanking(g, [0, 1], [0, 1, 2], surprise));
        Assert.Equal([(0, 9.0), (1, 7.0)], ranked);
        // Without C's evidence, B's larger surprise comes first.
        Assert.Equal([(1, 7.0), (0, 4.0)], Pairs(Localizer.SingleCauseRanking(g, [0, 1], [0, 1], surprise)));
    }

    /// <summary>
    /// Coupling by the closed form: X = h + a·e1 and Y = 3 − 2(h + a·e2), with h, e1, e2 independent standard
    /// normals, correlate at −1 / (1 + a²): a = 0.5 gives ρ² = 0.64 (coupled), a = 1.2 gives ρ² = 0.17 (not).
    /// Constant and too short noises never couple.
    /// </summary>
    [Theory]
    [InlineData(0.5, true)]
    [InlineData(1.2, false)]
    public void Noises_are_coupled_when_their_squared_correlation_exceeds_one_half(double a, bool coupled)
    {
        var random = new Random(11);
        const int n = 5000;
        var h = Enumerable.Range(0, n).Select(_ => Normal.Sample(random, 0, 1)).ToArray();
        var x = h.Select(v => v + a * Normal.Sample(random, 0, 1)).ToArray();
        var y = h.Select(v => 3 - 2 * (v + a * Normal.Sample(random, 0, 1))).ToArray();
        var constant = Enumerable.Repeat(100.0, n).ToArray();
        var coupling = Coupling(x, y, constant, x[..(NoiseCoupling.MinRows - 1)]);
        Assert.Equal(coupled, coupling.Coupled(0, 1));
        Assert.Equal(coupled, coupling.Coupled(1, 0));
        Assert.False(coupling.Coupled(0, 0));
        Assert.False(coupling.Coupled(0, 2));
        Assert.False(Coupling(x[..(NoiseCoupling.MinRows - 1)], y[..(NoiseCoupling.MinRows - 1)]).Coupled(0, 1));
    }

    /// <summary>
    /// S -> C, S -> T, E -> T, with S's and E's noises coupled (the graph misses S -> E). Only E is blamed, but a
    /// push on E's group may have entered at S: S is named with the group's score (4 + 6 + 7 + 0), and first,
    /// since its own descendants in the drawn graph explain 4 + 6 against E's 7. Without the coupling E stands alone.
    /// </summary>
    [Fact]
    public void A_coupled_node_is_named_with_its_group_and_ranked_by_what_its_drawn_descendants_explain()
    {
        var g = OrleansRca.Causal.Graphs.CausalGraph.Create(["S", "C", "E", "T"], [("S", "C"), ("S", "T"), ("E", "T")]);
        double[] surprise = [4, 6, 7, 0];
        var coupled = new CouplingOf((0, 2));
        var upstream = g.Ancestors([3]);
        var named = Localizer.SingleCauseRanking(g, [2], [0, 1, 2], surprise, coupled.Coupling, upstream);
        Assert.Equal([(0, 17.0), (2, 17.0)], Pairs(named));
        Assert.Equal([[2], [0]], named.Select(x => x.MovedWith));
        Assert.Equal([(2, 7.0)], Pairs(Localizer.SingleCauseRanking(g, [2], [0, 1, 2], surprise, NoiseCoupling.None, upstream)));
        // A coupled node that did not move (not in the evidence) is not implicated.
        Assert.Equal([(2, 7.0)], Pairs(Localizer.SingleCauseRanking(g, [2], [1, 2], surprise, coupled.Coupling, upstream)));
        // Nor is one that is not upstream of the alerting node: C is coupled to E here, and only adds its evidence.
        var offPath = new CouplingOf((1, 2));
        Assert.Equal([(2, 13.0)], Pairs(Localizer.SingleCauseRanking(g, [2], [1, 2], surprise, offPath.Coupling, upstream)));
    }

    /// <summary>
    /// End to end on simulated normal data: a hidden load h drives both a service S and the caller's view E of the
    /// balancer in front of it, which the graph does not connect (S -> C, S -> T, E -> T). In the anomalous row S
    /// dips (3 sd, not enough to be blamed on its own), its client C fails hard (10 sd below what S predicts) and E
    /// drops far (5 sd), so only E is blamed. E's noise moved with S's in normal operation: S comes first, E right
    /// behind it with the same score. With E's normal noise independent of S's, E leads and S is a lesser suspect.
    /// </summary>
    [Fact]
    public void A_missing_link_learned_from_normal_noise_puts_the_service_before_its_balancer()
    {
        var model = ModelFile.Parse("""{"nodes":[{"name":"S"},{"name":"C"},{"name":"E"},{"name":"T","role":"outcome"}],"edges":[["S","C"],["S","T"],["E","T"]]}""");
        string NormalRows(bool shared)
        {
            var random = new Random(5);
            var rows = Enumerable.Range(0, 2000).Select(_ =>
            {
                var h = Normal.Sample(random, 0, 1);
                var s = h + 0.3 * Normal.Sample(random, 0, 1);
                var c = s + 0.3 * Normal.Sample(random, 0, 1);
                var e = 2 * (shared ? h : Normal.Sample(random, 0, 1)) + 0.5 * Normal.Sample(random, 0, 1);
                var t = s + e + 0.3 * Normal.Sample(random, 0, 1);
                return string.Join(",", new[] { s, c, e, t }.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            });
            return "S,C,E,T\n" + string.Join("\n", rows) + "\n";
        }
        const string anomalies = "S,C,E,T\n-3,-6,-10,-13\n";
        var options = new LocalizeOptions { Target = "T" };
        var coupled = Localizer.Run(LocalizationData.Parse(model, NormalRows(true), anomalies, MissingPolicy.Error), options).Rows[0];
        Assert.Equal(["S", "E"], coupled.Ranking.Take(2).Select(r => r.Node));
        Assert.Equal(coupled.Ranking[0].Score, coupled.Ranking[1].Score);
        Assert.Equal(["E"], coupled.Ranking[0].MovedWith);
        var independent = Localizer.Run(LocalizationData.Parse(model, NormalRows(false), anomalies, MissingPolicy.Error), options).Rows[0];
        Assert.Equal(["E", "S"], independent.Ranking.Take(2).Select(r => r.Node));
        Assert.All(independent.Ranking, r => Assert.Empty(r.MovedWith));
        Assert.True(independent.Ranking[0].Score > independent.Ranking[1].Score);
    }

    private static List<(int, double)> Pairs(IEnumerable<RankedCause> ranked) => ranked.Select(x => (x.Node, x.Score)).ToList();

    private static NoiseCoupling Coupling(params double[][] normalNoise) => new(normalNoise.Select(n => NoiseCoupling.Standardise(n)).ToList());

    /// <summary>A coupling given by hand: these pairs coupled, every other pair independent.</summary>
    private sealed class CouplingOf((int, int) pair)
    {
        // Two nodes whose noises are equal, the others independent draws: coupled exactly as asked.
        public NoiseCoupling Coupling { get; } = Build(pair);

        private static NoiseCoupling Build((int A, int B) pair)
        {
            var random = new Random(3);
            var noise = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 200).Select(_ => Normal.Sample(random, 0, 1)).ToArray()).ToArray();
            noise[pair.B] = noise[pair.A];
            return Coupling(noise);
        }
    }
}
