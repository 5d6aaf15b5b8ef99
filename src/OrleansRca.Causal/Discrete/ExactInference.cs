namespace OrleansRca.Causal.Discrete;

/// <summary>
/// Exact single-variable marginals of a discrete Bayesian network, observational and under every
/// single-variable intervention do(X_i = a), by graph surgery on a junction tree.
/// </summary>
/// <remarks>
/// <para>
/// Convention (pgmpy's VariableElimination, which the reference files use): CPTs are taken as written,
/// barren nodes are pruned, and each queried marginal is normalised to sum 1. Formally
/// P(X_j = x) is proportional to the sum, over the ancestors of X_j in the (mutilated) graph, of the
/// product of their raw CPT entries. When every CPT row sums to exactly 1 this is the ordinary marginal.
/// A row summing to s != 1 (ALARM's HREKG: 0.9999999) acts like soft evidence s(parents) on the node's
/// parents, but only in queries of the node itself and of its descendants. The engine calibrates with
/// row-normalised CPTs, reads such a node's own marginal from its family (parent joint times raw CPT),
/// and calibrates again with raw rows only for the rare queries below a non-normalised node with children.
/// </para>
/// <para>
/// Work is shared: one calibration gives every observational marginal. For do(X_i = a) only the
/// descendants of X_i change, and only messages flowing away from X_i's home clique change, so each
/// intervention is a single distribute pass over the part of the tree between that clique and the
/// cliques of X_i's descendants, reusing the observational messages everywhere else.
/// </para>
/// <para>Not thread-safe: an instance reuses its scratch tables. Use one instance per thread.</para>
/// </remarks>
public sealed class ExactInference
{
    /// <summary>Default limit on the number of entries of one clique table (16 Mi doubles = 128 MiB).</summary>
    public const long DefaultMaxCliqueEntries = 1L << 24;

    private const double DeficiencyThreshold = 1e-12;

    private readonly BayesianNetwork _net;
    private readonly JunctionTree _jt;
    private readonly double[][] _raw;
    private readonly double[][] _norm;
    private readonly bool[] _deficient;
    private readonly bool _deficientWithChildren;
    private readonly double[][] _basePsi;
    private readonly double[][] _baseMsgs;
    private readonly double[][] _scratchMsgs;
    private readonly double[] _psiScratch;
    private readonly double[] _beliefScratch;
    private readonly double[] _familyScratch;
    private readonly Plan?[] _plans;
    private double[][]? _baseMarginals;

    /// <summary>Builds the junction tree once: a network too wide for exact inference is bad input, found before any work.</summary>
    /// <exception cref="InputException">The network's treewidth needs a clique table above <paramref name="maxCliqueEntries"/>.</exception>
    public static void EnsureFits(BayesianNetwork network, long maxCliqueEntries = DefaultMaxCliqueEntries) =>
        JunctionTree.Build(network, maxCliqueEntries);

    /// <summary>Compiles the junction tree and calibrates the observational network.</summary>
    /// <exception cref="InputException">The network's treewidth needs a clique table above <paramref name="maxCliqueEntries"/>.</exception>
    public ExactInference(BayesianNetwork network, long maxCliqueEntries = DefaultMaxCliqueEntries)
    {
        _net = network;
        _jt = JunctionTree.Build(network, maxCliqueEntries);
        var n = network.Count;
        _raw = new double[n][];
        _norm = new double[n][];
        _deficient = new bool[n];
        var maxFamily = 1;
        for (var v = 0; v < n; v++)
        {
            var variable = network.Variables[v];
            var k = variable.Cardinality;
            _raw[v] = variable.RawCpt;
            _norm[v] = new double[_raw[v].Length];
            for (var r = 0; r < _raw[v].Length; r += k)
            {
                var s = 0.0;
                for (var x = 0; x < k; x++) s += _raw[v][r + x];
                if (Math.Abs(s - 1) > DeficiencyThreshold) _deficient[v] = true;
                for (var x = 0; x < k; x++) _norm[v][r + x] = _raw[v][r + x] / s;
            }
            maxFamily = Math.Max(maxFamily, _raw[v].Length / k);
        }
        _deficientWithChildren = Enumerable.Range(0, n).Any(v => _deficient[v] && network.Variables[v].ChildIndices.Length > 0);

        var maxClique = _jt.Size.Max();
        _basePsi = new double[_jt.CliqueCount][];
        for (var c = 0; c < _jt.CliqueCount; c++)
        {
            _basePsi[c] = new double[_jt.Size[c]];
            _jt.Potential(c, _norm, -1, 0, _basePsi[c]);
        }
        _baseMsgs = _jt.MsgSize.Select(s => new double[s]).ToArray();
        _scratchMsgs = _jt.MsgSize.Select(s => new double[s]).ToArray();
        _psiScratch = new double[maxClique];
        _beliefScratch = new double[maxClique];
        _familyScratch = new double[maxFamily];
        _plans = new Plan?[n];
        Calibrate(_basePsi, _baseMsgs);
    }

    /// <summary>The network.</summary>
    public BayesianNetwork Network => _net;

    /// <summary>Number of cliques of the junction tree.</summary>
    public int CliqueCount => _jt.CliqueCount;

    /// <summary>Entries of the largest clique table.</summary>
    public int LargestClique => _jt.Size.Max();

    /// <summary>P(X_j) for every variable j (in network order; each row in state order, summing to 1).</summary>
    public double[][] Marginals()
    {
        var m = BaseMarginals();
        return m.Select(r => (double[])r.Clone()).ToArray();
    }

    /// <summary>P(X_j | do(X_node = state)) for every variable j.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Bad node or state index.</exception>
    public double[][] Marginals(int node, int state)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(node, _net.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(state);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(state, _net.Variables[node].Cardinality);
        var baseM = BaseMarginals();
        var result = baseM.Select(r => (double[])r.Clone()).ToArray();
        Intervene(node, state, (j, _) => result[j]);
        return result;
    }

    /// <summary>
    /// The observational marginals and P(X_j | do(X_i = a)) for every variable i, state a and variable j:
    /// the oracle of the mixture problem.
    /// </summary>
    public InterventionalMarginals AllInterventional()
    {
        var s = _net.StateCount;
        var baseFlat = new double[s];
        var baseM = BaseMarginals();
        foreach (var v in _net.Variables) baseM[v.Index].CopyTo(baseFlat, v.StateOffset);

        var table = new double[(long)s * s];
        for (var g = 0; g < s; g++) baseFlat.CopyTo(table, (long)g * s);
        foreach (var v in _net.Variables)
        {
            for (var a = 0; a < v.Cardinality; a++)
            {
                var row = (long)(v.StateOffset + a) * s;
                Intervene(v.Index, a, (j, k) => table.AsSpan((int)(row + _net.Variables[j].StateOffset), k));
            }
        }
        return new InterventionalMarginals(_net, baseFlat, table);
    }

    private delegate Span<double> Output(int node, int cardinality);

    private double[][] BaseMarginals()
    {
        if (_baseMarginals is not null) return _baseMarginals;
        var n = _net.Count;
        var result = new double[n][];
        for (var j = 0; j < n; j++) result[j] = new double[_net.Variables[j].Cardinality];

        var simple = new List<int>();
        var groups = new Dictionary<string, (int[] Raw, List<int> Targets)>();
        for (var j = 0; j < n; j++)
            AddTarget(j, -1, simple, groups);
        ReadTargets([.. simple.OrderBy(j => _jt.Home[j])], c => _basePsi[c], _baseMsgs, (j, _) => result[j]);
        foreach (var (raw, targets) in groups.Values)
            FullCalibrationRead(raw, -1, 0, targets, (j, _) => result[j]);
        return _baseMarginals = result;
    }

    /// <summary>Writes P(X_j | do(X_i = a)) for i itself and its descendants; other rows are left alone (they equal the observational ones).</summary>
    private void Intervene(int i, int a, Output output)
    {
        var o = output(i, _net.Variables[i].Cardinality);
        o.Clear();
        o[a] = 1.0;

        var plan = _plans[i] ??= BuildPlan(i);
        if (plan.Simple.Length > 0)
        {
            var root = plan.Root;
            var rootPsi = _psiScratch;
            _jt.Potential(root, _norm, i, a, rootPsi);
            // Messages pointing at the root are the observational ones; only those pointing away change.
            var msgs = (double[][])_baseMsgs.Clone();
            foreach (var (c, slot) in plan.Sends)
            {
                var id = _jt.OutMsg[c][slot];
                msgs[id] = _scratchMsgs[id];
                _jt.Send(c, slot, c == root ? rootPsi : _basePsi[c], msgs);
            }
            ReadTargets(plan.Simple, c => c == root ? rootPsi : _basePsi[c], msgs, output);
        }
        foreach (var (raw, targets) in plan.Groups)
            FullCalibrationRead(raw, i, a, targets, output);
    }

    /// <summary>Reads targets sorted by home clique, forming each clique's belief once.</summary>
    private void ReadTargets(IReadOnlyList<int> targets, Func<int, double[]> psiOf, double[][] msgs, Output output)
    {
        var lastClique = -1;
        foreach (var j in targets)
        {
            var h = _jt.Home[j];
            if (h != lastClique)
            {
                _jt.Belief(h, psiOf(h), msgs, _beliefScratch);
                lastClique = h;
            }
            ReadNode(j, _beliefScratch, output(j, _net.Variables[j].Cardinality));
        }
    }

    /// <summary>Marginal of X_j from its home clique's belief; a node whose rows do not sum to 1 is read from its family with the raw CPT (pgmpy's convention).</summary>
    private void ReadNode(int j, double[] belief, Span<double> output)
    {
        var k = _jt.Card[j];
        var map = _jt.FamilyMap[j];
        var size = _jt.Size[_jt.Home[j]];
        output.Clear();
        if (!_deficient[j])
        {
            for (var e = 0; e < size; e++) output[map[e] % k] += belief[e];
        }
        else
        {
            var rows = _raw[j].Length / k;
            var pa = _familyScratch.AsSpan(0, rows);
            pa.Clear();
            for (var e = 0; e < size; e++) pa[map[e] / k] += belief[e];
            var raw = _raw[j];
            for (var r = 0; r < rows; r++)
            {
                var w = pa[r];
                if (w == 0) continue;
                for (var x = 0; x < k; x++) output[x] += w * raw[r * k + x];
            }
        }
        var total = 0.0;
        foreach (var p in output) total += p;
        if (!(total > 0))
            throw new InputException($"node '{_net.Variables[j].Name}' has zero total probability; the network's tables are degenerate");
        foreach (ref var p in output) p /= total;
    }

    /// <summary>Collect then distribute over the whole tree.</summary>
    private void Calibrate(double[][] psi, double[][] msgs)
    {
        var (order, parent) = _jt.Bfs(0);
        for (var t = order.Length - 1; t > 0; t--)
        {
            var c = order[t];
            _jt.Send(c, Array.IndexOf(_jt.Neighbours[c], parent[c]), psi[c], msgs);
        }
        foreach (var c in order)
            for (var s = 0; s < _jt.Neighbours[c].Length; s++)
                if (_jt.Neighbours[c][s] != parent[c])
                    _jt.Send(c, s, psi[c], msgs);
    }

    /// <summary>For targets whose ancestors include nodes with non-normalised rows: a fresh calibration with those rows raw.</summary>
    private void FullCalibrationRead(int[] rawNodes, int doVar, int doState, List<int> targets, Output output)
    {
        var cpts = (double[][])_norm.Clone();
        foreach (var d in rawNodes) cpts[d] = _raw[d];
        var psi = new double[_jt.CliqueCount][];
        for (var c = 0; c < psi.Length; c++)
        {
            psi[c] = new double[_jt.Size[c]];
            _jt.Potential(c, cpts, doVar, doState, psi[c]);
        }
        var msgs = _jt.MsgSize.Select(s => new double[s]).ToArray();
        Calibrate(psi, msgs);
        ReadTargets([.. targets.OrderBy(j => _jt.Home[j])], c => psi[c], msgs, output);
    }

    /// <summary>What do(X_i = .) recomputes: the descendants to read, and the messages leading to their cliques.</summary>
    private sealed record Plan(int Root, (int Clique, int Slot)[] Sends, int[] Simple, (int[] Raw, List<int> Targets)[] Groups);

    private Plan BuildPlan(int i)
    {
        var descendants = Descendants(i);
        var simple = new List<int>();
        var groups = new Dictionary<string, (int[] Raw, List<int> Targets)>();
        foreach (var j in descendants)
            AddTarget(j, i, simple, groups);

        var root = _jt.Home[i];
        var (order, parent) = _jt.Bfs(root);
        var needed = new bool[_jt.CliqueCount];
        needed[root] = true;
        foreach (var j in simple)
            for (var c = _jt.Home[j]; !needed[c]; c = parent[c])
                needed[c] = true;
        var sends = new List<(int, int)>();
        foreach (var c in order)
        {
            if (!needed[c]) continue;
            var nbs = _jt.Neighbours[c];
            for (var s = 0; s < nbs.Length; s++)
                if (needed[nbs[s]] && parent[nbs[s]] == c)
                    sends.Add((c, s));
        }
        var simpleSorted = simple.OrderBy(j => _jt.Home[j]).ToArray();
        return new Plan(root, [.. sends], simpleSorted, [.. groups.Values]);
    }

    /// <summary>
    /// Files target j under do(X_i) (i = -1: no intervention): with no non-normalised strict ancestor it is
    /// read from the shared calibration, otherwise from a calibration that keeps those ancestors' rows raw.
    /// </summary>
    private void AddTarget(int j, int i, List<int> simple, Dictionary<string, (int[] Raw, List<int> Targets)> groups)
    {
        if (!_deficientWithChildren)
        {
            simple.Add(j);
            return;
        }
        var raw = DeficientAncestors(j, i);
        if (raw.Length == 0)
        {
            simple.Add(j);
            return;
        }
        var key = string.Join(",", raw);
        if (!groups.TryGetValue(key, out var g))
            groups[key] = g = (raw, []);
        g.Targets.Add(j);
    }

    /// <summary>Strict ancestors of j with non-normalised rows, in the graph without the edges into i.</summary>
    private int[] DeficientAncestors(int j, int i)
    {
        // Surgery: X_i has no parents, so the walk up never passes through it.
        var parents = _net.ParentLists.Select((p, v) => v == i ? [] : p).ToArray();
        var seen = Graphs.Dag.Reach(parents[j], parents);
        return Enumerable.Range(0, _net.Count).Where(p => seen[p] && _deficient[p] && p != i && p != j).ToArray();
    }

    private int[] Descendants(int i) => Graphs.Dag.Strict(i, _net.ChildLists);
}
