using MathNet.Numerics.Random;

namespace OrleansRca.Causal.Synthetic;

/// <summary>
/// One data set drawn from a <see cref="RootClamScm"/>: <see cref="NormalRows"/> normal rows first,
/// then the anomalies, whose types cycle through every non-empty subset of the candidates.
/// </summary>
/// <param name="Data">Node values, one column per node in <see cref="RootClamScm.Nodes"/> order.</param>
/// <param name="Noise">The exogenous noise that generated each row, node-indexed columns (Noise[node][row]).</param>
/// <param name="ShiftMask">Per row: bit k set when candidate k's noise was shifted (0 for a normal row).</param>
/// <param name="Label">Per row: the ground-truth label (Loan: y; Adult: income).</param>
public sealed record RootClamSample(RootClamScm Scm, DataTable Data, double[][] Noise, int[] ShiftMask, double[] Label, int NormalRows)
{
    public int Rows => Data.Rows;
    public bool IsAnomaly(int row) => ShiftMask[row] != 0;

    /// <summary>The ground-truth root causes of a row: the names of its shifted candidates.</summary>
    public IReadOnlyList<string> RootCauses(int row) =>
        Scm.Candidates.Where((_, k) => (ShiftMask[row] & (1 << k)) != 0).ToArray();

    /// <summary>Row <paramref name="row"/> as a node-indexed array.</summary>
    public double[] Row(int row) => Data.Columns.Select(c => c[row]).ToArray();

    /// <summary>The noise of row <paramref name="row"/> as a node-indexed array.</summary>
    public double[] NoiseRow(int row) => Noise.Select(c => c[row]).ToArray();
}

/// <summary>
/// A RootCLAM evaluation SCM (<c>shared/spec/rootclam-datasets.md</c>) with its true mechanisms,
/// noise distributions, anomaly shifts and ground-truth label. Mechanisms see the whole node-indexed
/// row (parents are computed first, in topological order) and the node's own noise, so non-additive
/// noise (Loan's E, Adult's categorical nodes) is exact. A soft intervention theta on node j adds theta
/// to x_j after its mechanism, as in RootCLAM's eq. 2.
/// </summary>
public abstract class RootClamScm
{
    public abstract string Name { get; }
    public CausalGraph Graph { get; }
    public IReadOnlyList<string> Nodes => Graph.Names;
    /// <summary>Root-cause candidates: the nodes whose noise an anomaly can shift, in bit order of <see cref="RootClamSample.ShiftMask"/>.</summary>
    public IReadOnlyList<string> Candidates { get; }
    private readonly int[] _candidateIndex;

    protected RootClamScm(IReadOnlyList<string> nodes, IEnumerable<(string, string)> edges, IReadOnlyList<string> candidates)
    {
        Graph = CausalGraph.Create(nodes, edges);
        Candidates = candidates;
        _candidateIndex = candidates.Select(Graph.IndexOf).ToArray();
    }

    /// <summary>x_node from the row's already computed parents and the node's noise u.</summary>
    public abstract double Mechanism(int node, ReadOnlySpan<double> row, double u);

    /// <summary>The noise u with Mechanism(node, row, u) = row[node], or false when the mechanism does not determine it (a threshold rule).</summary>
    public abstract bool TryAbduct(int node, ReadOnlySpan<double> row, out double u);

    /// <summary>Draws the noise of <paramref name="node"/>; <paramref name="shifted"/> draws from its anomaly distribution.</summary>
    protected abstract double SampleNoise(int node, System.Random random, bool shifted);

    /// <summary>The ground-truth label of a row (Loan: y; Adult: income).</summary>
    public abstract double Label(ReadOnlySpan<double> row);

    /// <summary>Whether a row may enter the sample (Loan keeps normal rows with y &gt; 0.95, anomalies with y &lt; 0.05).</summary>
    protected virtual bool Accept(double label, bool anomaly) => true;

    /// <summary>
    /// How far an anomaly moves a candidate's noise on average (shifted mean minus normal mean; 0 for other nodes).
    /// Every candidate's noise enters its mechanism additively, so an action of minus this undoes the push on average.
    /// </summary>
    public abstract double MeanShift(int node);

    /// <summary>
    /// Per candidate (in <see cref="Candidates"/> order), the actions the label-reachability reference tries, every
    /// combination of them: wide enough to undo any shift and go well past it, fine enough to meet the label's steps.
    /// </summary>
    public abstract IReadOnlyList<double[]> ActionGrid { get; }

    /// <summary>Evenly spaced values from <paramref name="from"/> to <paramref name="to"/> inclusive.</summary>
    protected static double[] Steps(double from, double to, double step) =>
        Enumerable.Range(0, (int)Math.Round((to - from) / step) + 1).Select(k => from + k * step).ToArray();

    /// <summary>The nodes the protocol's anomaly detector is trained on and scores (null: every node).</summary>
    public virtual IReadOnlyList<string>? DetectorNodes => null;

    /// <summary>The label cut of the mitigation protocol: a mitigated row's label must be normal under it (<see cref="LabelIsNormal"/>).</summary>
    public abstract double LabelCut { get; }

    /// <summary>Whether a label is normal under <paramref name="cut"/> (Loan: y &gt; cut; Adult: income &lt;= cut).</summary>
    public abstract bool LabelIsNormal(double label, double cut);

    /// <summary>
    /// Computes every node in topological order from <paramref name="noise"/> into <paramref name="row"/>;
    /// <paramref name="actions"/> (node-indexed, optional) are soft interventions added to each node after its mechanism.
    /// </summary>
    public void Simulate(ReadOnlySpan<double> noise, Span<double> row, ReadOnlySpan<double> actions = default)
    {
        foreach (var v in Graph.TopologicalOrder)
            row[v] = Mechanism(v, row, noise[v]) + (actions.IsEmpty ? 0 : actions[v]);
    }

    /// <summary>Rejection draws beyond which <see cref="Generate"/> gives up: an acceptance rate under 1/this is a broken definition.</summary>
    public const int MaxDrawsPerRow = 10_000;

    /// <summary>
    /// Draws <paramref name="normal"/> normal rows and <paramref name="anomalies"/> anomalous rows whose types
    /// cycle through the 2^k - 1 non-empty candidate subsets (type t shifts candidate k when bit k of t is set).
    /// The same seed gives the same sample on every machine.
    /// </summary>
    public RootClamSample Generate(int normal, int anomalies, int seed)
    {
        if (normal < 0 || anomalies < 0 || normal + anomalies == 0)
            throw new InputException($"row counts must be non-negative and not both zero (normal {normal}, anomalies {anomalies})");
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var n = Graph.Count;
        var rows = normal + anomalies;
        var values = Enumerable.Range(0, n).Select(_ => new double[rows]).ToArray();
        var noise = Enumerable.Range(0, n).Select(_ => new double[rows]).ToArray();
        var masks = new int[rows];
        var labels = new double[rows];
        var types = (1 << Candidates.Count) - 1;
        Span<double> u = stackalloc double[n];
        Span<double> x = stackalloc double[n];
        for (var r = 0; r < rows; r++)
        {
            var mask = r < normal ? 0 : (r - normal) % types + 1;
            for (var attempt = 0; ; attempt++)
            {
                if (attempt == MaxDrawsPerRow)
                    throw new InvalidOperationException($"{Name}: no acceptable row of anomaly type {mask} in {MaxDrawsPerRow} draws");
                DrawNoise(random, mask, u);
                Simulate(u, x);
                var label = Label(x);
                if (!Accept(label, mask != 0)) continue;
                for (var v = 0; v < n; v++) { values[v][r] = x[v]; noise[v][r] = u[v]; }
                masks[r] = mask;
                labels[r] = label;
                break;
            }
        }
        return new RootClamSample(this, new DataTable(Nodes, values), noise, masks, labels, normal);
    }

    /// <summary>One draw of every node's noise for anomaly type <paramref name="mask"/> (0: normal), before any label filter.</summary>
    public void DrawNoise(System.Random random, int mask, Span<double> u)
    {
        for (var v = 0; v < Graph.Count; v++) u[v] = SampleNoise(v, random, Shifted(mask, v));
    }

    private bool Shifted(int mask, int node)
    {
        for (var k = 0; k < _candidateIndex.Length; k++)
            if (_candidateIndex[k] == node) return (mask & (1 << k)) != 0;
        return false;
    }

    /// <summary>
    /// The graph as a model with the given mechanisms (null: every non-root node is left to be fitted);
    /// only the candidates are controllable, as in the protocol.
    /// </summary>
    protected CausalModel ToModel(IReadOnlyList<Mechanism?>? mechanisms, Func<string, NodeType> type) =>
        new(Name, Graph,
            Nodes.Select(name => new NodeSpec(name, NodeRole.Covariate, type(name), Candidates.Contains(name))).ToList(),
            mechanisms ?? new Mechanism?[Graph.Count]);

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
