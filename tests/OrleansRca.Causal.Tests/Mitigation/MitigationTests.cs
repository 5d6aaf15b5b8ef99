using MathNet.Numerics.LinearAlgebra;
using OrleansRca.Wire.Results;

namespace OrleansRca.Causal.Tests.Mitigation;

public sealed class MitigationTests
{
    private static readonly Func<double[], Vector<double>> V = Vector<double>.Build.DenseOfArray;

    [Fact]
    public void BallHasTheClosedFormNearestPoint()
    {
        // min ||phi|| with ||a + phi||^2 <= r^2: phi = -a (1 - r / ||a||).
        var a = V([3.0, -4.0, 12.0]);
        var result = MinNormEllipsoid.Solve(a, Matrix<double>.Build.DenseIdentity(3), Matrix<double>.Build.DenseIdentity(3), 25);
        Assert.Equal(MinNormEllipsoid.Outcome.Solved, result.Outcome);
        var expected = -a * (1 - 5 / 13.0);
        Assert.True((result.Phi - expected).L2Norm() < 1e-10, $"{result.Phi} vs {expected}");
    }

    [Fact]
    public void GeneralEllipsoidSolutionIsTheGlobalMinimum()
    {
        var random = new Random(11);
        var q = Matrix<double>.Build.Random(4, 4, new MathNet.Numerics.Distributions.Normal(0, 1, random));
        q = q.TransposeThisAndMultiply(q) + Matrix<double>.Build.DenseIdentity(4) * 0.1;
        var b = Matrix<double>.Build.Random(4, 2, new MathNet.Numerics.Distributions.Normal(0, 1, random));
        var a = V([2.0, -1, 3, 0.5]);
        var lowest = MinNormEllipsoid.Solve(a, b, q, 0).LowestQuadratic;
        var t = lowest + 1; // reachable, and a is outside
        Assert.True(a * (q * a) > t);
        var result = MinNormEllipsoid.Solve(a, b, q, t);
        Assert.Equal(MinNormEllipsoid.Outcome.Solved, result.Outcome);
        double Constraint(Vector<double> p) => (a + b * p) * (q * (a + b * p)) - t;
        Assert.True(Math.Abs(Constraint(result.Phi)) < 1e-9);
        // Every feasible point of a polar grid is at least as far from the origin: scan each ray for its first feasible radius.
        var h = b.TransposeThisAndMultiply(q * b);
        var gv = b.TransposeThisAndMultiply(q * a);
        var c0 = a * (q * a) - t;
        double Along(double x, double y) => h[0, 0] * x * x + 2 * h[0, 1] * x * y + h[1, 1] * y * y + 2 * (gv[0] * x + gv[1] * y) + c0;
        var best = double.PositiveInfinity;
        for (var i = 0; i < 720; i++)
        {
            var (cx, cy) = (Math.Cos(i * Math.PI / 360), Math.Sin(i * Math.PI / 360));
            for (var k = 1; k <= 2000; k++)
            {
                var radius = k * 0.005;
                if (Along(cx * radius, cy * radius) > 0) continue;
                double lo = radius - 0.005, hi = radius;
                for (var it = 0; it < 60; it++) { var mid = (lo + hi) / 2; if (Along(cx * mid, cy * mid) > 0) lo = mid; else hi = mid; }
                best = Math.Min(best, hi);
                break;
            }
        }
        Assert.InRange(result.Phi.L2Norm(), best - 1e-2, best + 1e-9);
    }

    [Fact]
    public void UnreachableWhenTheActionsCannotReachTheEllipsoid()
    {
        // Acting only along x while the constraint needs y near 0.
        var q = Matrix<double>.Build.DenseOfDiagonalArray([1.0, 1.0]);
        var result = MinNormEllipsoid.Solve(V([5.0, 5.0]), Matrix<double>.Build.DenseOfArray(new double[,] { { 1 }, { 0 } }), q, 4);
        Assert.Equal(MinNormEllipsoid.Outcome.Unreachable, result.Outcome);
        Assert.Equal(25, result.LowestQuadratic, 9);
    }

    /// <summary>Chain a -> b -> c, linear, b pushed by 6 (the conformance case).</summary>
    private static (CausalModel Model, DataTable Normal, DataTable Anomalies) Chain()
    {
        var model = ModelFile.Parse("""
            {"name":"chain","nodes":[{"name":"a"},{"name":"b"},{"name":"c"}],"edges":[["a","b"],["b","c"]],
             "mechanisms":{"b":{"kind":"linear","intercept":0.5,"weights":{"a":1.5}},"c":{"kind":"linear","intercept":-1,"weights":{"b":0.8}}}}
            """);
        var random = new Random(3);
        DataTable Draw(int rows, double shift)
        {
            var cols = new[] { new double[rows], new double[rows], new double[rows] };
            for (var r = 0; r < rows; r++)
            {
                cols[0][r] = AnomalyDetectorTests.Gauss(random);
                cols[1][r] = 0.5 + 1.5 * cols[0][r] + AnomalyDetectorTests.Gauss(random) + shift;
                cols[2][r] = -1 + 0.8 * cols[1][r] + AnomalyDetectorTests.Gauss(random);
            }
            return new DataTable(["a", "b", "c"], cols);
        }
        return (model, Draw(2000, 0), Draw(20, 6));
    }

    [Theory]
    [InlineData(DetectorKind.Mahalanobis, 1.0)]
    [InlineData(DetectorKind.Pca, 1.0)]
    [InlineData(DetectorKind.Mahalanobis, 0.5)]
    [InlineData(DetectorKind.Mahalanobis, 0.05)]
    public void LinearCaseEqualsTheAnalyticMinimum(DetectorKind kind, double alpha)
    {
        var (model, normal, anomalies) = Chain();
        var mitigator = Mitigator.Train(RootCauseModel.Fit(model, normal), normal, new MitigationOptions { Detector = kind, Alpha = alpha });
        var result = mitigator.Mitigate(anomalies, Enumerable.Repeat<IReadOnlyList<int>>([1], anomalies.Rows).ToList());
        var d = mitigator.Detector;
        var s = mitigator.CostScale[1];
        var target = alpha * d.Threshold;
        // Acting on b moves (a, b, c) by theta (0, 1, 0.8): a scalar quadratic in theta, solved by hand.
        var beta = V([0, 1, 0.8]);
        var deepRows = 0;
        foreach (var row in result.Rows.Where(r => r.ScoreBefore > d.Threshold))
        {
            var part = d.Parts[0];
            var x = V([anomalies["a"][row.Row], anomalies["b"][row.Row], anomalies["c"][row.Row]]) - part.Center;
            double h = beta * (part.Form * beta), g = beta * (part.Form * x), c0 = x * (part.Form * x) - target * target;
            if (g * g - h * c0 < 0)
            {
                // alpha x threshold out of reach: the lowest reachable score at theta = -g / h, taken when it is normal.
                var deepest = -g / h;
                var lowest = c0 + target * target - g * g / h;
                if (lowest > d.Threshold * d.Threshold)
                {
                    Assert.Equal(MitigationStatus.Unreachable, row.Status);
                    Assert.False(row.Flipped);
                    Assert.Empty(row.Actions);
                    continue;
                }
                Assert.Equal(MitigationStatus.Deepest, row.Status);
                Assert.Equal(deepest, row.Actions["b"], 8);
                Assert.Equal(Math.Sqrt(lowest), row.ScoreAfter, 8);
                Assert.True(row.Flipped);
                deepRows++;
                continue;
            }
            var disc = Math.Sqrt(g * g - h * c0);
            var roots = new[] { (-g + disc) / h, (-g - disc) / h };
            var theta = roots.MinBy(Math.Abs);
            Assert.Equal(MitigationStatus.Solved, row.Status);
            Assert.Equal(theta, row.Actions["b"], 8);
            Assert.Equal(Math.Abs(theta) / s, row.Cost, 8);
            Assert.True(row.ScoreAfter <= target);
            Assert.Equal(alpha <= 1, row.Flipped);
        }
        // At alpha >= 1 a target out of reach leaves the threshold out of reach too; at 0.05 b alone cannot get there, but can flip.
        if (alpha >= 1) Assert.Equal(0, deepRows);
        if (alpha == 0.05) Assert.True(deepRows > 0, "no row went to its deepest point");
    }

    /// <summary>
    /// A detector watching c alone (as RootCLAM's Adult detector leaves nodes out): its score on a whole row is the
    /// one-column detector's, and acting on b (c moves by 0.8 theta) needs the scalar least theta that brings |c - m|
    /// down to alpha x threshold / sqrt(Q), whatever a and b become.
    /// </summary>
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    public void DetectorWatchingOneNodeGivesTheScalarMinimum(double alpha)
    {
        var (model, normal, anomalies) = Chain();
        var mitigator = Mitigator.Train(RootCauseModel.Fit(model, normal), normal, new MitigationOptions { Alpha = alpha, DetectorNodes = ["c"] });
        var alone = AnomalyDetector.Train(DetectorKind.Mahalanobis, normal, ["c"]);
        var d = mitigator.Detector;
        Assert.Equal(alone.Threshold, d.Threshold, 12);
        var result = mitigator.Mitigate(anomalies, Enumerable.Repeat<IReadOnlyList<int>>([1], anomalies.Rows).ToList());
        var (centre, q) = (alone.Parts[0].Center[0], alone.Parts[0].Form[0, 0]);
        var solved = 0;
        foreach (var row in result.Rows)
        {
            var c = anomalies["c"][row.Row];
            Assert.Equal(alone.Score([c]), row.ScoreBefore, 10);
            if (row.ScoreBefore <= d.Threshold) continue;
            var reach = alpha * d.Threshold / Math.Sqrt(q);
            var theta = -(c - centre - Math.Sign(c - centre) * reach) / 0.8;
            Assert.Equal(MitigationStatus.Solved, row.Status);
            Assert.Equal(theta, row.Actions["b"], 8);
            Assert.Equal(alpha * d.Threshold, row.ScoreAfter, 8);
            solved++;
        }
        Assert.True(solved > 10, $"{solved} rows solved");
        Assert.Throws<InputException>(() => Mitigator.Train(RootCauseModel.Fit(model, normal), normal, new MitigationOptions { DetectorNodes = ["z"] }));
    }

    /// <summary>
    /// The derivative-free deepest search (for rows whose linearisation cannot settle) against the exact deepest point of
    /// linear mechanisms: from no action at all it reaches the linearisation's lowest score and actions.
    /// </summary>
    [Fact]
    public void DeepestSearchFindsTheExactDeepestPointOfLinearMechanisms()
    {
        var (model, normal, anomalies) = Chain();
        var mitigator = Mitigator.Train(RootCauseModel.Fit(model, normal), normal, new MitigationOptions { Alpha = 0.05 });
        var result = mitigator.Mitigate(anomalies, Enumerable.Repeat<IReadOnlyList<int>>([1], anomalies.Rows).ToList());
        var noise = OrleansRca.Causal.Counterfactuals.Propagator.Abduct(mitigator.Model, mitigator.Model.Graph.Names.Select(n => anomalies[n]).ToArray());
        var compared = 0;
        foreach (var row in result.Rows.Where(r => r.Status == MitigationStatus.Deepest))
        {
            var (theta, score) = mitigator.DeepestSearch(noise, row.Row, [1], [0.0]);
            Assert.Equal(row.ScoreAfter, score, 6);
            Assert.Equal(row.Actions["b"], theta[0], 4);
            compared++;
        }
        Assert.True(compared > 0, "no row went to its deepest point");
    }

    /// <summary>
    /// --act-on controllable: actions may touch every controllable node, flagged or not, never a locked one. The chain's
    /// b is pushed (the only root cause); with a locked, the actions are on b and c, the counterfactual is the chain
    /// re-simulated by hand with the same noise, and the cost never exceeds acting on b alone (a superset of choices).
    /// </summary>
    [Fact]
    public void ActingOnEveryControllableNodeTouchesUnflaggedNodesButNeverLockedOnes()
    {
        var (model, normal, anomalies) = Chain();
        var locked = new CausalModel(model.Name, model.Graph, model.Nodes.Select(n => n with { Controllable = n.Name != "a" }).ToList(), model.Mechanisms);
        var fitted = RootCauseModel.Fit(locked, normal);
        var causes = Enumerable.Repeat<IReadOnlyList<int>>([1], anomalies.Rows).ToList();
        var wide = Mitigator.Train(fitted, normal, new MitigationOptions { ActOn = ActionScope.Controllable }).Mitigate(anomalies, causes);
        var narrow = Mitigator.Train(fitted, normal, new MitigationOptions()).Mitigate(anomalies, causes);
        Assert.Equal("controllable", wide.ActOn);
        var detected = 0;
        for (var r = 0; r < anomalies.Rows; r++)
        {
            var row = wide.Rows[r];
            if (row.Status == MitigationStatus.Normal) continue;
            detected++;
            Assert.Equal(MitigationStatus.Solved, row.Status);
            Assert.Equal(["b", "c"], row.Actions.Keys.Order());
            var (ua, ub, uc) = (anomalies["a"][r], anomalies["b"][r] - 0.5 - 1.5 * anomalies["a"][r], anomalies["c"][r] + 1 - 0.8 * anomalies["b"][r]);
            var b = 0.5 + 1.5 * ua + ub + row.Actions["b"];
            var c = -1 + 0.8 * b + uc + row.Actions["c"];
            Assert.Equal(ua, row.Counterfactual[0], 9);
            Assert.Equal(b, row.Counterfactual[1], 9);
            Assert.Equal(c, row.Counterfactual[2], 9);
            Assert.True(row.Flipped);
            Assert.True(row.Cost <= narrow.Rows[r].Cost + 1e-9, $"row {r}: {row.Cost} > {narrow.Rows[r].Cost}");
        }
        Assert.True(detected > 10, $"{detected} detected rows");
        var error = Assert.Throws<InputException>(() => MitigationOptions.ParseScope("everything")).Message;
        Assert.Contains("'everything'", error);
        Assert.Contains("root-causes or controllable", error);
    }

    [Fact]
    public void RowsWithoutControllableRootCauseAreAStatusNotACrash()
    {
        var (model, normal, anomalies) = Chain();
        var locked = new CausalModel(model.Name, model.Graph, model.Nodes.Select(n => n with { Controllable = n.Name != "b" }).ToList(), model.Mechanisms);
        var result = Mitigator.Run(LocalizationData.Create(locked, normal, anomalies, MissingPolicy.Error), new MitigationOptions());
        Assert.All(result.Rows.Where(r => r.ScoreBefore > result.Threshold), r =>
        {
            Assert.Contains("b", r.RootCauses);
            Assert.DoesNotContain("b", r.Actions.Keys);
            if (r.Status == MitigationStatus.NoControllableRootCause) { Assert.Empty(r.Actions); Assert.False(r.Flipped); Assert.Contains("controllable", r.Reason); }
        });
        Assert.Contains(result.Rows, r => r.Status == MitigationStatus.NoControllableRootCause);
        var data = LocalizationData.Create(model, normal, anomalies, MissingPolicy.Error);
        Assert.Contains("alpha", Assert.Throws<InputException>(() => Mitigator.Run(data, new MitigationOptions { Alpha = 0 })).Message);
        Assert.Throws<InputException>(() => Mitigator.Run(data, new MitigationOptions { Alpha = -1 }));
    }

    [Fact]
    public void LoanCounterfactualsEqualTheTrueScmReSimulatedWithTheSameNoise()
    {
        var scm = new LoanScm();
        var normal = scm.Generate(3000, 0, seed: 21);
        var anomalies = scm.Generate(0, 150, seed: 22);
        var result = Mitigator.Run(LocalizationData.Create(LoanScm.Model(), normal.Data, anomalies.Data, MissingPolicy.Error), new MitigationOptions());
        var controllable = new[] { "L", "D", "I", "S" };
        var solved = 0;
        var x = new double[7];
        foreach (var row in result.Rows)
        {
            Assert.All(row.Actions.Keys, k => { Assert.Contains(k, row.RootCauses); Assert.Contains(k, controllable); });
            var actions = new double[7];
            foreach (var (node, theta) in row.Actions) actions[scm.Graph.IndexOf(node)] = theta;
            scm.Simulate(anomalies.NoiseRow(row.Row), x, actions);
            for (var v = 0; v < 7; v++) Assert.Equal(x[v], row.Counterfactual[v], 9);
            if (row.ScoreBefore <= row.Threshold) { Assert.Equal(MitigationStatus.Normal, row.Status); continue; }
            Assert.Equal(MitigationStatus.Solved, row.Status);
            Assert.True(row.Flipped && row.ScoreAfter <= row.Threshold);
            solved++;
        }
        Assert.True(solved > 50, $"{solved} of 150 detected and solved");
    }

    [Fact]
    public void PlanSlicesAndEncodedRowsGiveTheWholeResult()
    {
        var (model, normal, anomalies) = Chain();
        var data = LocalizationData.Create(model, normal, anomalies, MissingPolicy.Error);
        var whole = Mitigator.Run(data, new MitigationOptions());
        var plan = Mitigator.Prepare(data, new MitigationOptions());
        var pieces = plan.Mitigate(0, 7).Rows.Concat(plan.Mitigate(7, anomalies.Rows - 7).Rows).Select(plan.Encode).ToList();
        var assembled = plan.Assemble(pieces.Select(plan.Decode));
        Assert.Equal(MitigationJson.ToJson(whole).ToJsonString(), MitigationJson.ToJson(assembled).ToJsonString());
    }

    [Fact]
    public void PenaltyFallbackFindsTheLinearisationsOptimumOnLoan()
    {
        var scm = new LoanScm();
        var normal = scm.Generate(3000, 0, seed: 31);
        var anomalies = scm.Generate(0, 60, seed: 32);
        var data = LocalizationData.Create(LoanScm.Model(), normal.Data, anomalies.Data, MissingPolicy.Error);
        var plan = Mitigator.Prepare(data, new MitigationOptions());
        var mitigator = plan.Mitigator;
        var result = plan.Mitigate(0, anomalies.Rows);
        var noise = OrleansRca.Causal.Counterfactuals.Propagator.Abduct(mitigator.Model, mitigator.Model.Graph.Names.Select(n => anomalies.Data[n]).ToArray());
        var target = mitigator.Detector.Threshold;
        var compared = 0;
        foreach (var row in result.Rows.Where(r => r.Status == MitigationStatus.Solved))
        {
            var acted = row.Actions.Keys.Select(mitigator.Model.Graph.IndexOf).ToArray();
            // From no action at all, the derivative-free search must meet the target at (almost) the same least cost.
            var found = mitigator.PenaltySearch(noise, row.Row, acted, new double[acted.Length], target);
            Assert.NotNull(found);
            var cost = Math.Sqrt(found!.Select((t, j) => Math.Pow(t / mitigator.CostScale[acted[j]], 2)).Sum());
            Assert.InRange(cost, row.Cost * (1 - 1e-6), row.Cost * 1.01); // a simplex on a kinked penalty stops within ~0.3%
            Assert.True(mitigator.Detector.Score(Counterfactual(mitigator, noise, row.Row, acted, found)) <= target);
            compared++;
        }
        Assert.True(compared > 20, $"{compared} rows compared");
    }

    private static double[] Counterfactual(Mitigator m, double[][] noise, int row, int[] acted, double[] theta)
    {
        var x = new double[m.Model.Count];
        m.RowCounterfactual(noise, row, acted, theta, x);
        return x;
    }
}
