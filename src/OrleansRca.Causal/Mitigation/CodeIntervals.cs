using OrleansRca.Causal.RootCause;

namespace OrleansRca.Causal.Mitigation;

/// <summary>
/// What a row's coded nodes leave open in its counterfactuals. A coded node's noise is known only up to the interval
/// [F(x − 1), F(x)) its code occupies at the row's own parents (<see cref="CodedMechanism"/>); once actions move the
/// parents, that interval may straddle several codes, and nothing in the row says which one the node would take:
/// each is a counterfactual consistent with the row. Mitigation asks the detector to call every one of them normal
/// (the worst case), so that a recommendation does not rest on the middle of an interval the data cannot narrow.
/// </summary>
internal sealed class CodeIntervals
{
    private readonly CausalModel _model;
    private readonly double[][] _noise;
    /// <summary>Per node (null unless coded with parents), per row: the ends of the row's quantile interval.</summary>
    private readonly double[]?[] _below, _upTo;

    private CodeIntervals(CausalModel model, double[][] noise, double[]?[] below, double[]?[] upTo)
    {
        _model = model;
        _noise = noise;
        _below = below;
        _upTo = upTo;
    }

    /// <summary>The intervals of every row's coded nodes; null when no node is coded with parents (a counterfactual is then one point).</summary>
    /// <param name="data">Node-indexed columns of the rows.</param>
    /// <param name="noise">Their abducted noise (<see cref="Counterfactuals.Propagator.Abduct"/>).</param>
    public static CodeIntervals? Create(CausalModel model, IReadOnlyList<double[]> data, double[][] noise)
    {
        var g = model.Graph;
        var coded = Enumerable.Range(0, g.Count).Where(v => model.Mechanisms[v] is CodedMechanism && g.Parents[v].Length > 0).ToArray();
        if (coded.Length == 0) return null;
        var below = new double[]?[g.Count];
        var upTo = new double[]?[g.Count];
        var rows = noise[0].Length;
        foreach (var v in coded)
        {
            var mechanism = (CodedMechanism)model.Mechanisms[v]!;
            var ps = g.Parents[v];
            var parents = new double[ps.Length];
            (below[v], upTo[v]) = (new double[rows], new double[rows]);
            for (var r = 0; r < rows; r++)
            {
                for (var k = 0; k < ps.Length; k++) parents[k] = data[ps[k]][r];
                (below[v]![r], upTo[v]![r]) = mechanism.Interval(parents, data[v][r]);
            }
        }
        return new CodeIntervals(model, noise, below, upTo);
    }

    /// <summary>
    /// The highest score <paramref name="score"/> gives any counterfactual of row <paramref name="r"/> consistent with its
    /// codes, under actions <paramref name="theta"/> on <paramref name="acted"/>: every code each coded node's interval
    /// reaches at its counterfactual parents, in every combination (<paramref name="x"/> is scratch).
    /// </summary>
    public double WorstScore(int r, int[] acted, double[] theta, double[] x, Func<double[], double> score) =>
        Worst(0, r, acted, theta, x, score);

    private double Worst(int position, int r, int[] acted, double[] theta, double[] x, Func<double[], double> score)
    {
        var order = _model.Graph.TopologicalOrder;
        Span<double> values = stackalloc double[_model.Count];
        for (; position < order.Length; position++)
        {
            var v = order[position];
            var ps = _model.Graph.Parents[v];
            var parents = values[..ps.Length];
            for (var k = 0; k < ps.Length; k++) parents[k] = x[ps[k]];
            var j = Array.IndexOf(acted, v);
            var action = j >= 0 ? theta[j] : 0;
            if (_below[v] is { } below && _model.Mechanisms[v] is CodedMechanism coded)
            {
                var (first, last) = coded.CodesWithin(parents, below[r], _upTo[v]![r]);
                if (first != last)
                {
                    var worst = double.NegativeInfinity;
                    for (var code = first; code <= last; code++)
                    {
                        x[v] = code + action;
                        worst = Math.Max(worst, Worst(position + 1, r, acted, theta, x, score));
                    }
                    return worst;
                }
                x[v] = first + action;
                continue;
            }
            x[v] = _model.ApplyMechanism(v, parents, _noise[v][r]) + action;
        }
        return score(x);
    }
}
