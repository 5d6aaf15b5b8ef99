using System.Numerics;

namespace OrleansRca.Causal.Discovery;

/// <summary>
/// Search over topological orders (Teyssier and Koller's order search): for a given order, every node
/// takes the best parent set among its candidates that come before it (stepwise additions and
/// removals on its local score), so an order scores the best DAG consistent with it. A move takes one
/// node to just before or just after one of its candidate neighbours; only the moved node and the
/// neighbours it passes change their best sets. Orders escape the local optima of edge moves, where a
/// wrongly oriented edge would need several simultaneous changes to undo.
/// </summary>
internal sealed class OrderSearch
{
    private const double MinimumGain = 1e-9;

    private readonly NodeScorer[] _scorers;
    private readonly ulong[] _allowedMask;
    private readonly ulong[] _requiredMask;
    private readonly int _maxParents;
    private readonly int[][] _neighbours;
    private readonly int[] _order;
    private readonly int[] _position;

    public ulong[] Masks { get; }
    public double[] Scores { get; }

    public OrderSearch(NodeScorer[] scorers, bool[][] allowed, bool[][] required, int maxParents, int[] initialOrder)
    {
        _scorers = scorers;
        _maxParents = maxParents;
        var p = scorers.Length;
        _allowedMask = new ulong[p];
        _requiredMask = new ulong[p];
        for (var j = 0; j < p; j++)
            for (var i = 0; i < scorers[j].Candidates.Length; i++)
            {
                if (allowed[j][i]) _allowedMask[j] |= 1UL << i;
                if (required[j][i]) _requiredMask[j] |= 1UL << i;
            }
        var neighbours = Enumerable.Range(0, p).Select(_ => new HashSet<int>()).ToArray();
        for (var j = 0; j < p; j++)
            foreach (var c in scorers[j].Candidates) { neighbours[j].Add(c); neighbours[c].Add(j); }
        _neighbours = neighbours.Select(s => s.OrderBy(x => x).ToArray()).ToArray();
        _order = (int[])initialOrder.Clone();
        _position = new int[p];
        for (var i = 0; i < p; i++) _position[_order[i]] = i;
        Masks = new ulong[p];
        Scores = new double[p];
        for (var v = 0; v < p; v++) (Masks[v], Scores[v]) = BestParents(v, _position);
    }

    public IReadOnlyList<int> Order => _order;

    /// <summary>Moves nodes while the total score improves; returns the number of moves made.</summary>
    public int Climb(int maxSweeps)
    {
        var moves = 0;
        var p = _scorers.Length;
        for (var sweep = 0; sweep < maxSweeps; sweep++)
        {
            var improved = false;
            for (var v = 0; v < p; v++)
            {
                var bestGain = MinimumGain;
                var bestTarget = -1;
                foreach (var u in _neighbours[v])
                {
                    foreach (var target in new[] { _position[u], _position[u] + 1 })
                    {
                        // Insert v so that it ends up just before (or after) u.
                        var to = target > _position[v] ? target - 1 : target;
                        if (to == _position[v] || to < 0 || to >= p) continue;
                        var gain = MoveGain(v, to, out _);
                        if (gain > bestGain) { bestGain = gain; bestTarget = to; }
                    }
                }
                if (bestTarget < 0) continue;
                MoveGain(v, bestTarget, out var updates);
                Move(v, bestTarget);
                foreach (var (node, mask, score) in updates) { Masks[node] = mask; Scores[node] = score; }
                moves++;
                improved = true;
            }
            if (!improved) break;
        }
        return moves;
    }

    private double MoveGain(int v, int to, out List<(int Node, ulong Mask, double Score)> updates)
    {
        var from = _position[v];
        var position = (int[])_position.Clone();
        // Shift the nodes between; v takes position 'to'.
        if (to > from)
            for (var i = from + 1; i <= to; i++) position[_order[i]] = i - 1;
        else
            for (var i = to; i < from; i++) position[_order[i]] = i + 1;
        position[v] = to;

        updates = [];
        var gain = 0.0;
        var (vm, vs) = BestParents(v, position);
        gain += vs - Scores[v];
        updates.Add((v, vm, vs));
        var low = Math.Min(from, to);
        var high = Math.Max(from, to);
        foreach (var u in _neighbours[v])
        {
            if (_position[u] < low || _position[u] > high || u == v) continue;
            if (Array.IndexOf(_scorers[u].Candidates, v) < 0) continue;
            var (um, us) = BestParents(u, position);
            gain += us - Scores[u];
            updates.Add((u, um, us));
        }
        return gain;
    }

    private void Move(int v, int to)
    {
        var from = _position[v];
        if (to > from) Array.Copy(_order, from + 1, _order, from, to - from);
        else Array.Copy(_order, to, _order, to + 1, from - to);
        _order[to] = v;
        for (var i = Math.Min(from, to); i <= Math.Max(from, to); i++) _position[_order[i]] = i;
    }

    /// <summary>Stepwise (best addition or removal at each step) parent set among the candidates before v in the order.</summary>
    private (ulong Mask, double Score) BestParents(int v, int[] position)
    {
        var scorer = _scorers[v];
        var candidates = scorer.Candidates;
        ulong available = 0;
        for (var i = 0; i < candidates.Length; i++)
            if (position[candidates[i]] < position[v]) available |= 1UL << i;
        // An order that puts a required parent after its child admits no DAG with that edge.
        if ((_requiredMask[v] & ~available) != 0) return (_requiredMask[v], double.NegativeInfinity);
        available &= _allowedMask[v];
        var mask = _requiredMask[v];
        var score = scorer.Score(mask).Score;
        while (true)
        {
            var bestGain = MinimumGain;
            var best = mask;
            var full = BitOperations.PopCount(mask) >= _maxParents;
            for (var rest = available | mask; rest != 0; rest &= rest - 1)
            {
                var bit = rest & ~(rest - 1);
                if ((mask & bit) == 0 && full) continue;
                if ((_requiredMask[v] & bit) != 0) continue;
                var candidate = mask ^ bit;
                var gain = scorer.Score(candidate).Score - score;
                if (gain > bestGain) { bestGain = gain; best = candidate; }
            }
            if (best == mask) return (mask, score);
            mask = best;
            score = scorer.Score(mask).Score;
        }
    }
}
