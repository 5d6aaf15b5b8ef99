using System.Numerics;

namespace OrleansRca.Causal.Discovery;

/// <summary>
/// Hill climbing over DAGs with edge additions, deletions and reversals, on the decomposable score of
/// <see cref="NodeScorer"/>: a move changes one or two local scores, so only those nodes' move gains
/// are recomputed after it. Required edges start in the graph and are never deleted or reversed;
/// forbidden and tier-violating edges are never candidates.
/// </summary>
internal sealed class GreedySearch
{
    private const double MinimumGain = 1e-9;

    private readonly NodeScorer[] _scorers;
    private readonly bool[][] _allowed;
    private readonly bool[][] _required;
    private readonly int _maxParents;
    private readonly ParallelOptions _parallel;
    // _position[c][j]: the index of j in c's candidate list, or -1.
    private readonly Dictionary<int, int>[] _position;
    private readonly HashSet<int>[] _children;

    public ulong[] Masks { get; }
    public double[] Scores { get; }
    /// <summary>Gain of toggling each candidate of each node (add when absent, delete when present).</summary>
    public double[][] Gains { get; }
    public int Moves { get; private set; }

    public GreedySearch(NodeScorer[] scorers, bool[][] allowed, bool[][] required, int maxParents, ParallelOptions parallel)
    {
        _scorers = scorers;
        _allowed = allowed;
        _required = required;
        _maxParents = maxParents;
        _parallel = parallel;
        var p = scorers.Length;
        _position = scorers.Select(s => s.Candidates.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i)).ToArray();
        _children = Enumerable.Range(0, p).Select(_ => new HashSet<int>()).ToArray();
        Masks = new ulong[p];
        Scores = new double[p];
        Gains = scorers.Select(s => new double[s.Candidates.Length]).ToArray();
        for (var j = 0; j < p; j++)
            for (var i = 0; i < required[j].Length; i++)
                if (required[j][i]) AddEdge(scorers[j].Candidates[i], j);
        if (HasCycle()) throw new InputException("the required edges form a cycle");
        Parallel.For(0, p, _parallel, Refresh);
    }

    /// <summary>Restarts from the given parent sets (which must form a DAG holding the required edges).</summary>
    public void Reset(ulong[] masks)
    {
        for (var j = 0; j < masks.Length; j++)
        {
            foreach (var i in NodeScorer.Bits(Masks[j])) RemoveEdge(_scorers[j].Candidates[i], j);
        }
        for (var j = 0; j < masks.Length; j++)
            foreach (var i in NodeScorer.Bits(masks[j])) AddEdge(_scorers[j].Candidates[i], j);
        Parallel.For(0, masks.Length, _parallel, Refresh);
    }

    public bool IsParent(int child, int position) => (Masks[child] & (1UL << position)) != 0;

    public int Position(int node, int candidate) => _position[node].TryGetValue(candidate, out var i) ? i : -1;

    /// <summary>Climbs until no move improves the score.</summary>
    public void Climb()
    {
        var p = _scorers.Length;
        var moves = new List<(double Gain, int Kind, int Child, int Position)>();
        while (true)
        {
            moves.Clear();
            for (var j = 0; j < p; j++)
            {
                var candidates = _scorers[j].Candidates;
                var parents = BitOperations.PopCount(Masks[j]);
                for (var i = 0; i < candidates.Length; i++)
                {
                    var gain = Gains[j][i];
                    if (IsParent(j, i))
                    {
                        if (_required[j][i]) continue;
                        if (gain > MinimumGain) moves.Add((gain, 1, j, i));
                        var reverse = ReversalGain(j, i);
                        if (reverse > MinimumGain) moves.Add((reverse, 2, j, i));
                    }
                    else if (_allowed[j][i] && parents < _maxParents && gain > MinimumGain)
                        moves.Add((gain, 0, j, i));
                }
            }
            if (moves.Count == 0) return;
            moves.Sort((a, b) => b.Gain.CompareTo(a.Gain));
            var applied = false;
            foreach (var (_, kind, j, i) in moves)
            {
                var c = _scorers[j].Candidates[i];
                if (kind == 0 && Reaches(j, c)) continue;
                if (kind == 2)
                {
                    RemoveEdge(c, j);
                    var cycle = Reaches(c, j);
                    AddEdge(c, j);
                    if (cycle) continue;
                }
                Apply(kind, j, i);
                applied = true;
                break;
            }
            if (!applied) return;
        }
    }

    /// <summary>Gain of turning parent i of j around; -inf when knowledge or the parent limit forbids it.</summary>
    public double ReversalGain(int j, int i, bool ignoreParentLimit = false)
    {
        var c = _scorers[j].Candidates[i];
        var back = Position(c, j);
        if (back < 0 || !_allowed[c][back] || _required[j][i]) return double.NegativeInfinity;
        if (!ignoreParentLimit && BitOperations.PopCount(Masks[c]) >= _maxParents) return double.NegativeInfinity;
        return Gains[j][i] + Gains[c][back];
    }

    private void Apply(int kind, int j, int i)
    {
        var c = _scorers[j].Candidates[i];
        switch (kind)
        {
            case 0: AddEdge(c, j); break;
            case 1: RemoveEdge(c, j); break;
            default:
                RemoveEdge(c, j);
                AddEdge(j, c);
                break;
        }
        Refresh(j);
        if (kind == 2) Refresh(c);
        Moves++;
    }

    private void AddEdge(int parent, int child)
    {
        Masks[child] |= 1UL << Position(child, parent);
        _children[parent].Add(child);
    }

    private void RemoveEdge(int parent, int child)
    {
        Masks[child] &= ~(1UL << Position(child, parent));
        _children[parent].Remove(child);
    }

    private void Refresh(int j)
    {
        var scorer = _scorers[j];
        var current = scorer.Score(Masks[j]).Score;
        Scores[j] = current;
        for (var i = 0; i < scorer.Candidates.Length; i++)
        {
            var toggled = Masks[j] ^ (1UL << i);
            // Sets above the limit are never visited; their gain is only needed for confidences, computed there.
            Gains[j][i] = BitOperations.PopCount(toggled) > _maxParents + 1 ? double.NegativeInfinity : scorer.Score(toggled).Score - current;
        }
    }

    /// <summary>Whether <paramref name="to"/> is reachable from <paramref name="from"/> along edges.</summary>
    private bool Reaches(int from, int to)
    {
        if (from == to) return true;
        var seen = new bool[_scorers.Length];
        var stack = new Stack<int>();
        stack.Push(from);
        seen[from] = true;
        while (stack.Count > 0)
        {
            foreach (var next in _children[stack.Pop()])
            {
                if (next == to) return true;
                if (!seen[next]) { seen[next] = true; stack.Push(next); }
            }
        }
        return false;
    }

    private bool HasCycle()
    {
        for (var v = 0; v < _scorers.Length; v++)
            foreach (var c in _children[v])
                if (Reaches(c, v)) return true;
        return false;
    }
}
