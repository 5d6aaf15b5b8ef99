namespace OrleansRca.Benchmarks;

public static class Timing
{
    /// <summary>Median wall time in ms of <paramref name="repetitions"/> runs after one discarded warm-up (JIT, caches).</summary>
    public static double Median(int repetitions, Action action)
    {
        action();
        var times = new double[repetitions];
        for (var r = 0; r < repetitions; r++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[r] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repetitions / 2];
    }
}
