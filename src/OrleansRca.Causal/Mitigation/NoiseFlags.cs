using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace OrleansRca.Causal.Mitigation;

/// <summary>
/// Which nodes of an anomalous row are root causes: the one call point mitigation asks, until the localization
/// core (issue 8) is merged. Rule (RootCLAM's, with a Gaussian noise CDF): a node is flagged when its abducted
/// noise lies beyond the two-sided normal quantile at <c>pi</c>, |u - mean| / sd &gt; Phi^-1(1 - pi / 2), with the
/// mean and sd of the node's noise abducted from the normal data.
/// </summary>
public sealed class NoiseFlags
{
    public const double DefaultPi = 0.125;
    private readonly double[] _mean, _sd;
    private readonly double _cut;

    public NoiseFlags(IReadOnlyList<double[]> normalNoise, double pi = DefaultPi)
    {
        if (!(pi > 0 && pi < 0.5)) throw new InputException($"pi must lie in (0, 0.5), not {pi}");
        _mean = normalNoise.Select(c => c.Mean()).ToArray();
        _sd = normalNoise.Select(c => c.StandardDeviation()).ToArray();
        _cut = Normal.InvCDF(0, 1, 1 - pi / 2);
    }

    /// <summary>True for node <paramref name="node"/> when its abducted noise <paramref name="u"/> is beyond the cut.</summary>
    public bool IsFlagged(int node, double u) => _sd[node] > 0 && Math.Abs(u - _mean[node]) > _cut * _sd[node];
}
