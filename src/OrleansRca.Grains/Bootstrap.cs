using OrleansRca.Causal.Data;
using OrleansRca.Causal.Mediation;
using OrleansRca.Causal.Models;

namespace OrleansRca.Grains;

/// <summary>
/// Bootstrap pieces that can run on any silo. Resample s draws <see cref="MediationEngine.BootstrapRows"/>
/// (seeded from (seed, s) alone, the same on every machine) and runs a whole point analysis, as
/// <c>MediationEngine.Run</c> does; the percentile step is the core's own.
/// The cluster tests check that both give the same intervals for the same seed.
/// </summary>
public static class Bootstrap
{
    /// <summary>Per-resample means for resamples [start, start + count), row-major (see <c>BootstrapChunk</c>).</summary>
    public static double[] Resamples(CausalModel model, DataTable data, MediationOptions options, int start, int count, out int width)
    {
        var single = options with { Bootstrap = 0, MaxParallelism = 1 };
        double[]? means = null;
        width = 0;
        for (var r = 0; r < count; r++)
        {
            var rows = MediationEngine.BootstrapRows(options.Seed, start + r, data.Rows);
            var result = MediationEngine.Run(model, data.SelectRows(rows), single);
            width = result.Nie.Count + 2 * result.Effects.Count;
            means ??= new double[count * width];
            var row = means.AsSpan(r * width, width);
            var at = 0;
            foreach (var p in result.Nie) row[at++] = p.Mean;
            foreach (var e in result.Effects) row[at++] = e.TeMean;
            foreach (var e in result.Effects) row[at++] = e.NdeMean;
        }
        return means ?? [];
    }

    /// <summary>The point result with percentile intervals from all resamples' means (R7 quantiles, as the core).</summary>
    public static MediationResult WithIntervals(MediationResult point, MediationOptions options, IReadOnlyList<double[]> chunks)
    {
        var b = options.Bootstrap;
        var width = point.Nie.Count + 2 * point.Effects.Count;
        var all = chunks.SelectMany(c => c).ToArray();
        if (all.Length != b * width)
            throw new InvalidOperationException($"bootstrap: {all.Length} values for {b} resamples of {width} figures");
        double[] Column(int k)
        {
            var values = new double[b];
            for (var s = 0; s < b; s++) values[s] = all[s * width + k];
            return values;
        }
        Interval Percentiles(double[] values) => MediationEngine.PercentileInterval(values, options.Confidence);
        var nT = point.Effects.Count;
        var nNie = point.Nie.Count;
        return point with
        {
            Nie = point.Nie.Select((p, k) => p with { MeanInterval = Percentiles(Column(k)) }).ToList(),
            Effects = point.Effects.Select((e, k) => e with
            {
                TeInterval = Percentiles(Column(nNie + k)),
                NdeInterval = Percentiles(Column(nNie + nT + k)),
            }).ToList(),
            BootstrapSamples = b,
        };
    }
}
