namespace OrleansRca.Causal.Discovery;

/// <summary>
/// Sufficient statistics of every regime (row count, column sums, cross-products) on data standardised
/// by the pooled mean and standard deviation: every local score and shift test of a linear-Gaussian
/// model is a function of these, so after one pass over the rows a search never touches them again,
/// and "all rows but regime r" is a subtraction.
/// </summary>
public sealed class RegimeStatistics
{
    public IReadOnlyList<string> Names { get; }
    public int Nodes { get; }
    /// <summary>Regime 0 is the observational data.</summary>
    public int Regimes { get; }
    public int[] Rows { get; }
    internal double[][] Sums { get; }
    /// <summary>Per regime, the p×p cross-product matrix Σ x_a x_b, row-major.</summary>
    internal double[][] Cross { get; }
    public double[] Mean { get; }
    public double[] Scale { get; }

    private RegimeStatistics(IReadOnlyList<string> names, int[] rows, double[][] sums, double[][] cross, double[] mean, double[] scale)
    {
        Names = names;
        Nodes = names.Count;
        Regimes = rows.Length;
        Rows = rows;
        Sums = sums;
        Cross = cross;
        Mean = mean;
        Scale = scale;
    }

    /// <summary>
    /// Checks and summarises the data: the same columns in every regime, enough rows, no constant
    /// column. <paramref name="sources"/> names each table in messages (e.g. its file).
    /// </summary>
    public static RegimeStatistics Create(IReadOnlyList<DataTable> regimes, IReadOnlyList<string> sources, int? maxParallelism = null)
    {
        if (regimes.Count == 0) throw new InputException("discovery needs at least the observational data");
        var names = regimes[0].Names;
        if (names.Count < 2) throw new InputException($"{sources[0]} has {names.Count} column(s); discovery needs at least two");
        if (regimes[0].Rows < CausalDiscovery.MinObservationalRows)
            throw new InputException($"{sources[0]} has {regimes[0].Rows} rows; the observational data need at least {CausalDiscovery.MinObservationalRows} to fit a regression");
        for (var r = 1; r < regimes.Count; r++)
        {
            var extra = regimes[r].Names.Where(n => !regimes[0].Contains(n)).ToList();
            if (extra.Count > 0)
                throw new InputException($"{sources[r]} has column(s) {string.Join(", ", extra.Select(e => $"'{e}'"))} that {sources[0]} lacks; every data file must have the same columns");
            var missing = names.Where(n => !regimes[r].Contains(n)).ToList();
            if (missing.Count > 0)
                throw new InputException($"{sources[r]} lacks column(s) {string.Join(", ", missing.Select(e => $"'{e}'"))} of {sources[0]}; every data file must have the same columns");
            if (regimes[r].Rows < CausalDiscovery.MinRegimeRows)
                throw new InputException($"{sources[r]} has {regimes[r].Rows} row(s); a regime needs at least {CausalDiscovery.MinRegimeRows} for its shift tests");
        }

        var p = names.Count;
        var columns = new double[regimes.Count][][];
        for (var r = 0; r < regimes.Count; r++)
            columns[r] = names.Select(n => regimes[r][n]).ToArray();

        var total = regimes.Sum(t => t.Rows);
        var mean = new double[p];
        var scale = new double[p];
        for (var a = 0; a < p; a++)
        {
            var sum = 0.0;
            for (var r = 0; r < regimes.Count; r++) sum += TensorPrimitives.Sum(columns[r][a]);
            mean[a] = sum / total;
            var ss = 0.0;
            for (var r = 0; r < regimes.Count; r++)
                foreach (var v in columns[r][a]) ss += (v - mean[a]) * (v - mean[a]);
            scale[a] = Math.Sqrt(ss / (total - 1));
            if (!(scale[a] > 1e-12 * Math.Max(1, Math.Abs(mean[a]))))
                throw new InputException($"column '{names[a]}' is constant across all data; a constant has no causal relations to find (drop the column)");
            var obs = columns[0][a];
            if (obs.All(v => v == obs[0]))
                throw new InputException($"column '{names[a]}' is constant in {sources[0]}; its observational mechanism cannot be fitted");
        }

        var sums = new double[regimes.Count][];
        var cross = new double[regimes.Count][];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism ?? Environment.ProcessorCount };
        for (var r = 0; r < regimes.Count; r++)
        {
            var n = regimes[r].Rows;
            var z = new double[p][];
            for (var a = 0; a < p; a++)
            {
                z[a] = new double[n];
                TensorPrimitives.Subtract(columns[r][a], mean[a], z[a]);
                TensorPrimitives.Divide(z[a], scale[a], z[a]);
            }
            sums[r] = z.Select(c => TensorPrimitives.Sum(c)).ToArray();
            var c = new double[p * p];
            Parallel.For(0, p, parallel, a =>
            {
                for (var b = 0; b <= a; b++) c[a * p + b] = c[b * p + a] = TensorPrimitives.Dot(z[a], z[b]);
            });
            cross[r] = c;
        }
        return new RegimeStatistics(names, regimes.Select(t => t.Rows).ToArray(), sums, cross, mean, scale);
    }

    /// <summary>
    /// Correlations pooled within regimes (each regime centred on its own mean), so a regime's mean
    /// shift does not pass for a dependence in candidate screening.
    /// </summary>
    public double[] WithinRegimeCorrelation()
    {
        var p = Nodes;
        var cov = new double[p * p];
        for (var r = 0; r < Regimes; r++)
        {
            var n = Rows[r];
            for (var a = 0; a < p; a++)
                for (var b = 0; b <= a; b++)
                    cov[a * p + b] += Cross[r][a * p + b] - Sums[r][a] * Sums[r][b] / n;
        }
        var corr = new double[p * p];
        for (var a = 0; a < p; a++)
            for (var b = 0; b <= a; b++)
            {
                var denominator = Math.Sqrt(cov[a * p + a] * cov[b * p + b]);
                var value = a == b ? 1.0 : denominator > 0 ? cov[a * p + b] / denominator : 0.0;
                corr[a * p + b] = corr[b * p + a] = value;
            }
        return corr;
    }

    /// <summary>All rows pooled.</summary>
    public int TotalRows => Rows.Sum();
}
