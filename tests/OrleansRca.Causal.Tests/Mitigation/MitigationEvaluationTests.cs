namespace OrleansRca.Causal.Tests.Mitigation;

/// <summary>RootCLAM's mitigation protocol (table 4) on the seeded Loan SCM, at the sizes.</summary>
public sealed class MitigationEvaluationTests
{
    /// <summary>
    /// Loan with the true mechanisms: acting on every controllable node (L, D, I, S, RootCLAM's actionable features)
    /// towards alpha 0.1 of the mixture detector's threshold, or as deep as reachable, flips the detector and the
    /// ground-truth label (y &gt; 0.9) on at least 95% of detected rows (measured 1.000 / 0.998). The norm
    /// target is not met: in RootCLAM's units (||theta|| in the nodes' own units) these actions average 22.5 against
    /// its 5.862 (Deep SVDD, 0.963 label flips). The least-cost fix to the threshold (alpha 1) flips the detector as
    /// often but few labels: the label needs the counterfactual deep inside the normal clusters.
    /// </summary>
    [Fact]
    public void Loan_flips_detector_and_label_on_95_percent_deep_inside_the_normal_clusters()
    {
        var scores = MitigationEvaluation.Run("loan", given: true, MitigationEvaluation.ProtocolNormalRows, MitigationEvaluation.ProtocolAnomalies, seed: 0,
            [DetectorKind.Mixture], [1.0, 0.1], pi: 0.125, scopes: [ActionScope.Controllable]);
        var deep = scores.Single(s => s.Alpha == 0.1);
        Assert.True(deep.DetectorFlip >= 0.95, $"detector flips {deep.DetectorFlip:F3}");
        Assert.True(deep.LabelFlip >= 0.95, $"label flips {deep.LabelFlip:F3}");
        var least = scores.Single(s => s.Alpha == 1.0);
        Assert.True(least.DetectorFlip >= 0.95, $"detector flips at alpha 1: {least.DetectorFlip:F3}");
        Assert.True(least.LabelFlip < 0.5, $"label flips at alpha 1: {least.LabelFlip:F3}");
    }

    /// <summary>
    /// The evaluation's norm is RootCLAM's, ||theta|| in the nodes' own units: with a unit cost scale on every node the
    /// solve's cost is that norm, so the two means agree; with the default scale (each node's normal standard deviation,
    /// 3.3-7.1 on Loan's controllable nodes) the cost is several times smaller.
    /// </summary>
    [Fact]
    public void The_reported_norm_is_the_action_in_the_nodes_own_units()
    {
        var unit = MitigationOptions.UnitCost(new LoanScm().Nodes);
        var raw = MitigationEvaluation.Run("loan", given: true, 2_000, 300, seed: 0, [DetectorKind.Pca], [0.5], pi: 0.125,
            scopes: [ActionScope.Controllable], costScale: unit).Single();
        Assert.True(raw.LabelFlip > 0.2, $"label flips {raw.LabelFlip:F3}");
        Assert.Equal(raw.MeanNorm, raw.MeanCost, 9);
        var sd = MitigationEvaluation.Run("loan", given: true, 2_000, 300, seed: 0, [DetectorKind.Pca], [0.5], pi: 0.125,
            scopes: [ActionScope.Controllable]).Single();
        Assert.True(sd.MeanNorm > 2.5 * sd.MeanCost, $"norm {sd.MeanNorm:F3}, cost {sd.MeanCost:F3}");
    }

    /// <summary>
    /// Adult with fitted mechanisms (RootCLAM's protocol: income-selected rows, detector on every node but income; the
    /// coded nodes fitted as categorical, categorical parents one level per code): the PCA detector (the linear
    /// autoencoder) on every controllable node flips at alpha 0.5 on at least 60% of the detected rows in the true SCM
    /// (measured 0.695; RootCLAM's AE: 0.960; in its units our actions are larger, 101 against 14.504), and at alpha 0.1 on at least
    /// 65% (measured 0.736): there the linearisation calls many rows unreachable (a coded node's steps have no slope)
    /// and the derivative-free check of that verdict finds their actions. The label flips stay below what any action
    /// could reach.
    /// </summary>
    [Fact]
    public void Adult_pca_flips_the_detector_on_most_rows_with_small_actions()
    {
        var scores = MitigationEvaluation.Run("adult", given: false, MitigationEvaluation.ProtocolNormalRows, MitigationEvaluation.ProtocolAnomalies, seed: 0,
            [DetectorKind.Pca], [0.5, 0.1], pi: 0.125, scopes: [ActionScope.Controllable]);
        var half = scores.Single(s => s.Alpha == 0.5);
        Assert.True(half.Detected > 300, $"{half.Detected} detected");
        Assert.True(half.DetectorFlip >= 0.6, $"detector flips {half.DetectorFlip:F3}");
        var deep = scores.Single(s => s.Alpha == 0.1);
        Assert.True(deep.DetectorFlip >= 0.65, $"detector flips at alpha 0.1: {deep.DetectorFlip:F3}");
        foreach (var score in scores)
        {
            Assert.True(score.LabelFlip <= score.LabelReachable, $"label flips {score.LabelFlip:F3} above the reachable {score.LabelReachable:F3}");
            Assert.True(score.LabelReachable < 0.9, $"reachable {score.LabelReachable:F3}");
        }
    }

    /// <summary>
    /// Adult, the Mahalanobis detector (the linear analogue of Deep SVDD) on every controllable node at alpha 1: the
    /// actions hold for every code the rows' coded nodes allow (<see cref="CodeIntervals"/>), and so flip the true SCM's
    /// counterfactual on at least 85% of the detected rows (measured 0.875; 0.720 when only the interval middles' counterfactual
    /// had to be normal; RootCLAM's Deep SVDD 1.000).
    /// </summary>
    [Fact]
    public void Adult_mahalanobis_actions_that_hold_for_every_allowed_code_flip_the_true_scm()
    {
        var score = MitigationEvaluation.Run("adult", given: false, MitigationEvaluation.ProtocolNormalRows, MitigationEvaluation.ProtocolAnomalies, seed: 0,
            [DetectorKind.Mahalanobis], [1.0], pi: 0.125, scopes: [ActionScope.Controllable]).Single();
        Assert.True(score.Detected > 300, $"{score.Detected} detected");
        Assert.True(score.DetectorFlip >= 0.85, $"detector flips {score.DetectorFlip:F3}");
        Assert.True(score.LabelFlip <= score.LabelReachable, $"label flips {score.LabelFlip:F3} above the reachable {score.LabelReachable:F3}");
    }

    /// <summary>
    /// The label-reachability reference against random actions drawn far wider than its grid: on every Adult anomaly it
    /// calls unreachable, none of 3,000 random actions on age, education and hours brings income to the median; both
    /// kinds of rows occur.
    /// </summary>
    [Fact]
    public void Adult_rows_called_unreachable_stay_above_the_median_under_random_actions()
    {
        var scm = new AdultScm();
        var sample = scm.Generate(0, 140, seed: 3);
        var cut = scm.LabelCut;
        var random = new System.Random(5);
        var actions = new double[scm.Graph.Count];
        var x = new double[scm.Graph.Count];
        var unreachable = 0;
        for (var r = 0; r < sample.Rows; r++)
        {
            var noise = sample.NoiseRow(r);
            if (MitigationEvaluation.LabelReachable(scm, noise, cut)) continue;
            unreachable++;
            for (var k = 0; k < 3_000; k++)
            {
                actions[AdultScm.Age] = random.NextDouble() * 400 - 300;
                actions[AdultScm.Education] = random.NextDouble() * 100 - 70;
                actions[AdultScm.Hours] = random.NextDouble() * 300 - 200;
                scm.Simulate(noise, x, actions);
                Assert.False(scm.LabelIsNormal(x[AdultScm.Income], cut), $"row {r}: income {x[AdultScm.Income]:F0} at actions {actions[AdultScm.Age]:F1}, {actions[AdultScm.Education]:F1}, {actions[AdultScm.Hours]:F1}");
            }
        }
        Assert.InRange(unreachable, 1, sample.Rows - 1);
    }

    /// <summary>Loan's label is reachable on every anomaly: income and savings can always be raised far enough.</summary>
    [Fact]
    public void Loan_label_is_reachable_on_every_anomaly()
    {
        var scm = new LoanScm();
        var sample = scm.Generate(0, 60, seed: 2);
        Assert.All(Enumerable.Range(0, sample.Rows), r => Assert.True(MitigationEvaluation.LabelReachable(scm, sample.NoiseRow(r), scm.LabelCut)));
    }
}
