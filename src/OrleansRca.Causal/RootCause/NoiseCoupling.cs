using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace OrleansRca.Causal.RootCause;

/// <summary>
/// Which nodes' noises moved together in normal operation. Abduction treats the noises as independent: no
/// missing edge and no hidden common cause between nodes. Where two nodes' normal noises share most of their
/// variance (squared correlation above <see cref="SharedVariance"/>), the graph lacks an edge or a shared
/// cause between them (a call the traces never linked, a host both run on), and a push on one shows in the
/// other. The direction is not identified: a coupling is a link without an arrow. Pairs are computed when
/// first asked for and kept (a row asks about few pairs; a model may have many nodes).
/// </summary>
public sealed class NoiseCoupling
{
    /// <summary>Coupled when one noise's linear prediction from the other explains more than half its variance.</summary>
    public const double SharedVariance = 0.5;
    /// <summary>Fewer normal rows than this leave a correlation too loose to act on.</summary>
    public const int MinRows = 20;

    private readonly IReadOnlyList<float[]> _unit;
    private readonly ConcurrentDictionary<(int, int), bool> _pairs = new();

    /// <param name="standardNoise">Node-indexed <see cref="Standardise"/>d normal noise (all nodes the same rows); empty: cannot couple.</param>
    public NoiseCoupling(IReadOnlyList<float[]> standardNoise)
    {
        _unit = standardNoise;
    }

    /// <summary>No couplings: every pair independent (the model's own assumption).</summary>
    public static NoiseCoupling None { get; } = new([]);

    /// <summary>Whether the normal noises of <paramref name="v"/> and <paramref name="w"/> (distinct) are coupled.</summary>
    public bool Coupled(int v, int w)
    {
        if (v == w || v >= _unit.Count || w >= _unit.Count || _unit[v].Length == 0 || _unit[w].Length == 0) return false;
        return _pairs.GetOrAdd(v < w ? (v, w) : (w, v), static (pair, unit) =>
        {
            double r = TensorPrimitives.Dot<float>(unit[pair.Item1], unit[pair.Item2]);
            return r * r > SharedVariance;
        }, _unit);
    }

    /// <summary>
    /// A node's normal noise (row order) centred and scaled to unit norm, so that a dot product is a correlation;
    /// single precision, since a correlation is only compared with a threshold and a row asks for many long dot
    /// products. Empty when the noise cannot couple: too short, not finite, or constant (a service at 100% throughout
    /// has nothing to share: its spread is rounding).
    /// </summary>
    public static float[] Standardise(ReadOnlySpan<double> noise)
    {
        if (noise.Length < MinRows || !TensorPrimitives.IsFiniteAll(noise)) return [];
        var centred = new double[noise.Length];
        TensorPrimitives.Subtract(noise, TensorPrimitives.Sum(noise) / noise.Length, centred);
        var norm = TensorPrimitives.Norm<double>(centred);
        if (!(norm > 1e-9 * Math.Max(1, TensorPrimitives.MaxMagnitude(noise)) * Math.Sqrt(noise.Length))) return [];
        TensorPrimitives.Divide(centred, norm, centred);
        var unit = new float[centred.Length];
        TensorPrimitives.ConvertTruncating<double, float>(centred, unit);
        return unit;
    }
}
