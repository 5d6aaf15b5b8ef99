using MathNet.Numerics.Random;
using MathNet.Numerics.Statistics;
using OrleansRca.Causal.Counterfactuals;
using OrleansRca.Causal.Fitting;

namespace OrleansRca.Causal.Mediation;

/// <summary>
/// A prepared mediation problem: the fitted model, abducted noise, treated and untreated
/// treatment columns, and the baseline world (all treatments untreated, every node natural).
/// Immutable once built; the pieces below only read it, so they can run in parallel.
/// </summary>
public sealed class MediationProblem
{
    public CausalModel Model { get; }
    public MediationPlan Plan { get; }
    public MediationOptions Options { get; }
    public int Rows { get; }
    public double[][] Noise { get; }
    /// <summary>Node-indexed values with every treatment untreated.</summary>
    public double[][] Baseline { get; }
    public double[][] Treated { get; }
    public double[][] Untreated { get; }

    internal MediationProblem(CausalModel model, MediationPlan plan, MediationOptions options, DataTable data)
    {
        Model = model;
        Plan = plan;
        Options = options;
        Rows = data.Rows;
        var g = model.Graph;
        var columns = g.Names.Select(n => data[n]).ToArray();
        Untreated = plan.Treatments.Select(t => options.Untreated.Apply(columns[t])).ToArray();
        Treated = plan.Treatments.Select(t => options.Treated.Apply(columns[t])).ToArray();
        Noise = Propagator.Abduct(model, columns, options.MaxParallelism);

        var values = new double[g.Count][];
        for (var i = 0; i < plan.Treatments.Length; i++) values[plan.Treatments[i]] = Untreated[i];
        var rest = g.TopologicalOrder.Where(v => values[v] is null).ToArray();
        Propagator.Propagate(model, rest, Noise, values!, Rows, options.MaxParallelism);
        Baseline = values;
    }
}

/// <summary>The result of treating one treatment alone: every mediator's natural treated value and the outcome's total-effect sum.</summary>
public sealed record TreatmentRun(int Treatment, double[]?[] MediatorValues, double TotalEffectSum);

/// <summary>
/// Generalized mediation (Casadei et al. 2025, eq. 4; contract section 5), in pieces that a cluster
/// can schedule: <see cref="Prepare"/>, then <see cref="RunTreatment"/> per treatment, then
/// <see cref="RunPair"/> per pair and <see cref="RunDirect"/> per treatment. <see cref="Run"/>
/// composes them on one machine.
/// </summary>
public static class MediationEngine
{
    /// <summary>Fits nodes without a mechanism, abducts noise and builds the baseline world.</summary>
    public static MediationProblem Prepare(CausalModel model, DataTable data, MediationOptions options)
    {
        if (data.Rows == 0) throw new InputException("the data have no rows");
        var plan = MediationPlan.Create(model, options);
        var fitted = LeastSquares.FitMissing(model, data);
        return new MediationProblem(fitted, plan, options, data);
    }

    /// <summary>Step 2 for one treatment: T_i treated, the other treatments untreated.</summary>
    public static TreatmentRun RunTreatment(MediationProblem problem, int treatmentPosition)
    {
        var plan = problem.Plan;
        var t = plan.Treatments[treatmentPosition];
        var values = (double[]?[])problem.Baseline.Clone();
        values[t] = problem.Treated[treatmentPosition];
        Propagator.Propagate(problem.Model, plan.TreatmentCut[treatmentPosition], problem.Noise, values, problem.Rows, problem.Options.MaxParallelism, plan.MediatorsAndOutcome, baseline: problem.Baseline);
        var mediators = new double[]?[plan.Mediators.Length];
        for (var j = 0; j < mediators.Length; j++)
            mediators[j] = plan.Reaches[treatmentPosition, j] ? values[plan.Mediators[j]] : null;
        return new TreatmentRun(treatmentPosition, mediators, DifferenceSum(values[plan.Outcome]!, problem.Baseline[plan.Outcome]));
    }

    /// <summary>Step 3 for one pair: Σ_rows of NIE(T_i, M_j), given M_j's treated values from <see cref="RunTreatment"/> (null: T_i cannot move M_j).</summary>
    public static double RunPair(MediationProblem problem, int mediatorPosition, double[]? mediatorValues)
    {
        if (mediatorValues is null) return 0;
        var plan = problem.Plan;
        var values = (double[]?[])problem.Baseline.Clone();
        values[plan.Mediators[mediatorPosition]] = mediatorValues;
        Propagator.Propagate(problem.Model, plan.MediatorCut[mediatorPosition], problem.Noise, values, problem.Rows, problem.Options.MaxParallelism, plan.OutcomeOnly, baseline: problem.Baseline);
        return DifferenceSum(values[plan.Outcome]!, problem.Baseline[plan.Outcome]);
    }

    /// <summary>Σ_rows of the natural direct effect: T_i treated, every mediator held at its untreated natural value.</summary>
    public static double RunDirect(MediationProblem problem, int treatmentPosition)
    {
        var plan = problem.Plan;
        var values = (double[]?[])problem.Baseline.Clone();
        values[plan.Treatments[treatmentPosition]] = problem.Treated[treatmentPosition];
        Propagator.Propagate(problem.Model, plan.DirectCut[treatmentPosition], problem.Noise, values, problem.Rows, problem.Options.MaxParallelism, plan.OutcomeOnly, baseline: problem.Baseline);
        return DifferenceSum(values[plan.Outcome]!, problem.Baseline[plan.Outcome]);
    }

    private static double DifferenceSum(double[] a, double[] b) =>
        ReferenceEquals(a, b) ? 0 : TensorPrimitives.Sum(a) - TensorPrimitives.Sum(b);

    /// <summary>Closed-form coefficients where they apply (NaN where a relevant mechanism is not linear).</summary>
    public sealed record LinearCoefficients(double[,] Nie, double[] Total, double[] Direct);

    public static LinearCoefficients Coefficients(CausalModel model, MediationPlan plan)
    {
        var treatments = plan.Treatments.ToHashSet();
        var mediators = plan.Mediators;
        var fromMediator = mediators.Select(m => LinearPaths.Coefficients(model, m, treatments)[plan.Outcome]).ToArray();
        var nie = new double[plan.Treatments.Length, mediators.Length];
        var total = new double[plan.Treatments.Length];
        var direct = new double[plan.Treatments.Length];
        var treatmentsAndMediators = treatments.Union(mediators).ToHashSet();
        for (var i = 0; i < plan.Treatments.Length; i++)
        {
            var fromTreatment = LinearPaths.Coefficients(model, plan.Treatments[i], treatments);
            total[i] = fromTreatment[plan.Outcome];
            direct[i] = LinearPaths.Coefficients(model, plan.Treatments[i], treatmentsAndMediators)[plan.Outcome];
            for (var j = 0; j < mediators.Length; j++)
            {
                var a = fromTreatment[mediators[j]];
                // An exact zero on either leg (no path, or linear paths that cancel) zeroes the NIE whatever
                // the other leg is; test first because NaN * 0 is NaN.
                nie[i, j] = a == 0 || fromMediator[j] == 0 ? 0 : a * fromMediator[j];
            }
        }
        return new LinearCoefficients(nie, total, direct);
    }

    /// <summary>Runs the whole analysis on this machine (pairs in parallel), with optional bootstrap intervals.</summary>
    public static MediationResult Run(CausalModel model, DataTable data, MediationOptions options, IProgress<double>? progress = null)
    {
        var point = RunOnce(model, data, options, progress is null ? null : new ScaledProgress(progress, 0, options.Bootstrap > 0 ? 0.2 : 1));
        if (options.Bootstrap <= 0) return point;
        return WithBootstrap(point, model, data, options, progress);
    }

    private static MediationResult RunOnce(CausalModel model, DataTable data, MediationOptions options, IProgress<double>? progress)
    {
        if (data.Rows == 0) throw new InputException("the data have no rows");
        var plan = MediationPlan.Create(model, options);
        var fitted = LeastSquares.FitMissing(model, data);
        var schedule = MediationSchedule.Create(fitted, plan, options.Engine);
        var deltas = MediationSchedule.DeltaSums(fitted, plan, options, data);
        var problem = schedule.NeedsPropagation ? new MediationProblem(fitted, plan, options, data) : null;
        progress?.Report(0.1);

        var nT = plan.Treatments.Length;
        var nM = plan.Mediators.Length;
        var nieSums = new double[nT, nM];
        var teSums = new double[nT];
        var ndeSums = new double[nT];
        var done = 0;
        var work = nT * (nM + 1);
        void Step() => progress?.Report(0.1 + 0.9 * Interlocked.Increment(ref done) / work);

        Parallel.For(0, nT, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism }, i =>
        {
            var run = schedule.NeedsTreatmentRun(i) ? RunTreatment(problem!, i) : null;
            if (run is not null) teSums[i] = run.TotalEffectSum;
            if (!schedule.ClosedDirect[i]) ndeSums[i] = RunDirect(problem!, i);
            Step();
            for (var j = 0; j < nM; j++)
            {
                if (!schedule.ClosedNie[i, j]) nieSums[i, j] = RunPair(problem!, j, run!.MediatorValues[j]);
                Step();
            }
        });
        return schedule.Assemble(fitted, options, data.Rows, deltas, teSums, ndeSums, nieSums);
    }

    /// <summary>Turns per-row sums into the result (mean = total / rows).</summary>
    public static MediationResult Assemble(CausalModel model, MediationPlan plan, MediationOptions options, int rows,
        double[,] nieSum, string[,] method, double[] teSum, double[] ndeSum)
    {
        var names = model.Graph.Names;
        var nie = new List<PairEffect>();
        for (var i = 0; i < plan.Treatments.Length; i++)
            for (var j = 0; j < plan.Mediators.Length; j++)
                nie.Add(new PairEffect(names[plan.Treatments[i]], names[plan.Mediators[j]], nieSum[i, j] / rows, nieSum[i, j], method[i, j]));
        var effects = plan.Treatments.Select((t, i) => new TreatmentEffect(names[t], teSum[i] / rows, teSum[i], ndeSum[i] / rows, ndeSum[i])).ToList();
        return new MediationResult(names[plan.Outcome], rows, options.Treated.ToString(), options.Untreated.ToString(), nie, effects);
    }

    private static MediationResult WithBootstrap(MediationResult point, CausalModel model, DataTable data, MediationOptions options, IProgress<double>? progress)
    {
        var b = options.Bootstrap;
        var width = point.Nie.Count + 2 * point.Effects.Count;
        var means = new double[b * width];
        var done = 0;
        Parallel.For(0, b, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism }, s =>
        {
            BootstrapMeans(model, data, options, s, 1).CopyTo(means, s * width);
            progress?.Report(0.2 + 0.8 * Interlocked.Increment(ref done) / b);
        });
        return WithIntervals(point, options, [means]);
    }

    /// <summary>
    /// Bootstrap resamples [start, start + count): each draws <see cref="BootstrapRows"/> and runs a whole point
    /// analysis (refitting the fitted mechanisms). Row-major means: resample r's figures at [r * width, (r + 1) * width),
    /// every NIE pair's mean (treatment-major, as in the result), then every TE mean, then every NDE mean.
    /// Any machine may compute any chunk: the rows depend on (seed, resample) alone.
    /// </summary>
    public static double[] BootstrapMeans(CausalModel model, DataTable data, MediationOptions options, int start, int count)
    {
        var single = options with { Bootstrap = 0, MaxParallelism = 1 };
        double[]? means = null;
        for (var r = 0; r < count; r++)
        {
            var result = RunOnce(model, data.SelectRows(BootstrapRows(options.Seed, start + r, data.Rows)), single, null);
            var width = result.Nie.Count + 2 * result.Effects.Count;
            means ??= new double[count * width];
            var row = means.AsSpan(r * width, width);
            var at = 0;
            foreach (var p in result.Nie) row[at++] = p.Mean;
            foreach (var e in result.Effects) row[at++] = e.TeMean;
            foreach (var e in result.Effects) row[at++] = e.NdeMean;
        }
        return means ?? [];
    }

    /// <summary>The point result with percentile intervals from every resample's means (<see cref="BootstrapMeans"/> chunks in resample order).</summary>
    public static MediationResult WithIntervals(MediationResult point, MediationOptions options, IReadOnlyList<double[]> chunks)
    {
        var b = options.Bootstrap;
        var width = point.Nie.Count + 2 * point.Effects.Count;
        var all = chunks.Count == 1 ? chunks[0] : chunks.SelectMany(c => c).ToArray();
        if (all.Length != b * width)
            throw new InvalidOperationException($"bootstrap: {all.Length} values for {b} resamples of {width} figures");
        Interval Column(int k)
        {
            var values = new double[b];
            for (var s = 0; s < b; s++) values[s] = all[s * width + k];
            return PercentileInterval(values, options.Confidence);
        }
        var nT = point.Effects.Count;
        var nNie = point.Nie.Count;
        return point with
        {
            Nie = point.Nie.Select((p, k) => p with { MeanInterval = Column(k) }).ToList(),
            Effects = point.Effects.Select((e, k) => e with { TeInterval = Column(nNie + k), NdeInterval = Column(nNie + nT + k) }).ToList(),
            BootstrapSamples = b,
        };
    }

    /// <summary>The central <paramref name="confidence"/> percentile interval of bootstrap estimates (R-7 interpolation, as numpy's default).</summary>
    public static Interval PercentileInterval(double[] values, double confidence)
    {
        var alpha = (1 - confidence) / 2;
        return new Interval(
            Statistics.QuantileCustom(values, alpha, QuantileDefinition.R7),
            Statistics.QuantileCustom(values, 1 - alpha, QuantileDefinition.R7));
    }

    /// <summary>
    /// The rows of bootstrap resample <paramref name="sample"/>: drawn with replacement by a generator
    /// seeded from (seed, sample) alone, so intervals are the same on every machine, however threads
    /// or silos share the resamples.
    /// </summary>
    public static int[] BootstrapRows(int seed, int sample, int rows)
    {
        var random = new Xoshiro256StarStar(unchecked((int)(uint)(seed * 0x9E3779B1 ^ (sample + 1) * 0x85EBCA77)), threadSafe: false);
        var result = new int[rows];
        for (var r = 0; r < rows; r++) result[r] = random.Next(rows);
        return result;
    }

    private sealed class ScaledProgress(IProgress<double> inner, double offset, double scale) : IProgress<double>
    {
        public void Report(double value) => inner.Report(offset + scale * value);
    }
}
