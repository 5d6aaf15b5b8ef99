using OrleansRca.Causal.Fitting;

namespace OrleansRca.Causal.Discovery;

/// <summary>An edge found, with the probability that it is there (against deleting it) and that it points this way (against reversing it).</summary>
public sealed record DiscoveredEdge(string Parent, string Child, double Confidence, double Orientation);

/// <summary>A node judged intervened on in a regime, with its posterior probability.</summary>
public sealed record DiscoveredTarget(string Node, double Probability);

public sealed class DiscoveryResult
{
    public required IReadOnlyList<string> Nodes { get; init; }
    /// <summary>The interventional regimes' names (every data set but the first).</summary>
    public required IReadOnlyList<string> Regimes { get; init; }
    public required IReadOnlyList<DiscoveredEdge> Edges { get; init; }
    /// <summary>Per regime (as <see cref="Regimes"/>), the nodes judged intervened on.</summary>
    public required IReadOnlyList<IReadOnlyList<DiscoveredTarget>> Targets { get; init; }
    /// <summary>[regime][node]: posterior probability that the node was intervened on in the regime.</summary>
    public required double[][] TargetProbabilities { get; init; }
    public required double Score { get; init; }
    public required int Moves { get; init; }
    /// <summary>Local scores computed (each a regression with its target tests), a measure of the work done.</summary>
    public required int LocalScores { get; init; }

    public CausalGraph Graph() => CausalGraph.Create(Nodes, Edges.Select(e => (e.Parent, e.Child)));
}

/// <summary>
/// Causal discovery from an observational data set and regimes with unknown interventions, for
/// continuous data under a linear-Gaussian (additive Gaussian noise) model:
/// <list type="number">
/// <item>candidate screening (<see cref="CandidateScreen"/>);</item>
/// <item>a greedy search over DAGs (<see cref="GreedySearch"/>) whose node score decides, per parent set,
/// in which regimes the node's mechanism changed (<see cref="NodeScorer"/>): rows of a regime where a
/// node is intervened on leave that node's pooled fit, which is what orients edges (a shifted cause
/// leaves its effect's regression intact, while the reverse model must explain the shift twice);</item>
/// <item>confidences from score differences: an edge's log-odds against its deletion and its reversal,
/// a target's posterior from its test.</item>
/// </list>
/// Shift (soft) and hard interventions are modelled; interventions that only change a weight or the
/// noise variance are seen only through their effect on the mean and spread of the rows.
/// </summary>
public static class CausalDiscovery
{
    /// <summary>A regression with an intercept and a parent, plus the degrees of freedom of its noise, needs this many rows.</summary>
    public const int MinObservationalRows = 5;
    /// <summary>Fewer rows than this leave a regime's variance untestable.</summary>
    public const int MinRegimeRows = 2;

    /// <summary>Everything on one machine: <see cref="DiscoveryProblem"/>'s steps in a row, per-node work in parallel.</summary>
    public static DiscoveryResult Discover(IReadOnlyList<DataTable> data, IReadOnlyList<string> sources, DiscoveryOptions? options = null)
    {
        var problem = DiscoveryProblem.Create(data, sources, options);
        var screens = new int[problem.Nodes][];
        Parallel.For(0, problem.Nodes, problem.Parallel, j => screens[j] = problem.Screen(j));
        return problem.Search(problem.Candidates(screens));
    }

    // A perturbation moves max(minimum, nodes / share) random nodes to random places in the order.
    internal const int PerturbationMinimum = 3;
    internal const int PerturbationShare = 5;

    /// <summary>Edge search and order search in turn until neither improves the other's result.</summary>
    internal static void Alternate(GreedySearch search, NodeScorer[] scorers, bool[][] allowed, bool[][] required, int maxParents,
        IReadOnlyList<string> names, int[][] candidates, int rounds)
    {
        search.Climb();
        for (var round = 1; round < rounds; round++)
        {
            var orders = new OrderSearch(scorers, allowed, required, maxParents, DagOf(names, candidates, search.Masks).TopologicalOrder);
            orders.Climb(OrderSweeps);
            if (orders.Scores.Sum() <= search.Scores.Sum() + 1e-9) break;
            search.Reset(orders.Masks);
            search.Climb();
        }
    }

    // Sweeps over all nodes per order search: each sweep tries every node next to each of its neighbours.
    internal const int OrderSweeps = 20;

    internal static CausalGraph DagOf(IReadOnlyList<string> names, int[][] candidates, ulong[] masks) =>
        CausalGraph.Create(names, Enumerable.Range(0, names.Count)
            .SelectMany(j => NodeScorer.Bits(masks[j]).Select(i => (names[candidates[j][i]], names[j]))));

    /// <summary>
    /// Presence: the log-odds of the edge against its deletion. Orientation: against its reversal; when
    /// reversing it alone would close a cycle, the edge's direction is implied by a longer path, so it
    /// takes the least orientation confidence along one such path.
    /// </summary>
    internal static List<DiscoveredEdge> EdgeConfidences(GreedySearch search, int[][] candidates, bool[][] required, IReadOnlyList<string> names)
    {
        var p = names.Count;
        var graph = DagOf(names, candidates, search.Masks);
        var orientation = new Dictionary<(int, int), double>();
        var presence = new Dictionary<(int, int), double>();
        var implied = new List<(int, int)>();
        for (var j = 0; j < p; j++)
            for (var i = 0; i < candidates[j].Length; i++)
            {
                if (!search.IsParent(j, i)) continue;
                var c = candidates[j][i];
                presence[(c, j)] = required[j][i] ? 1.0 : Logistic(-search.Gains[j][i]);
                var reverse = search.ReversalGain(j, i, ignoreParentLimit: true);
                if (double.IsNegativeInfinity(reverse)) orientation[(c, j)] = 1.0;
                else if (AlternativePath(graph, c, j) is not null) implied.Add((c, j));
                else orientation[(c, j)] = Logistic(-reverse);
            }
        foreach (var (c, j) in implied)
            orientation[(c, j)] = AlternativePath(graph, c, j)!.Select(e => orientation.GetValueOrDefault(e, 1.0)).DefaultIfEmpty(1.0).Min();
        return presence.Keys.OrderBy(e => e.Item1).ThenBy(e => e.Item2)
            .Select(e => new DiscoveredEdge(names[e.Item1], names[e.Item2], presence[e], orientation[e])).ToList();
    }

    /// <summary>The edges of a directed path from <paramref name="from"/> to <paramref name="to"/> other than the direct edge, or null.</summary>
    private static List<(int, int)>? AlternativePath(CausalGraph graph, int from, int to)
    {
        var previous = new Dictionary<int, int> { [from] = -1 };
        var queue = new Queue<int>();
        queue.Enqueue(from);
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            foreach (var w in graph.Children[v])
            {
                if ((v == from && w == to) || previous.ContainsKey(w)) continue;
                previous[w] = v;
                if (w == to)
                {
                    var path = new List<(int, int)>();
                    for (var x = to; previous[x] >= 0; x = previous[x]) path.Add((previous[x], x));
                    return path;
                }
                queue.Enqueue(w);
            }
        }
        return null;
    }

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));

    internal static (HashSet<(int, int)> Required, HashSet<(int, int)> Forbidden, int[] Tier) Resolve(IReadOnlyList<string> names, DiscoveryKnowledge knowledge)
    {
        var index = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
        int Find(string name, string what) =>
            index.TryGetValue(name, out var i) ? i : throw new InputException($"{what} names '{name}', which is not a column of the data");
        (int, int) Edge((string Parent, string Child) e, string what)
        {
            var edge = (Find(e.Parent, what), Find(e.Child, what));
            if (edge.Item1 == edge.Item2) throw new InputException($"{what} {e.Parent}->{e.Child} is a self-loop");
            return edge;
        }
        var required = knowledge.Required.Select(e => Edge(e, "a required edge")).ToHashSet();
        var forbidden = knowledge.Forbidden.Select(e => Edge(e, "a forbidden edge")).ToHashSet();
        var tier = Enumerable.Repeat(-1, names.Count).ToArray();
        for (var t = 0; t < knowledge.Tiers.Count; t++)
            foreach (var name in knowledge.Tiers[t])
            {
                var v = Find(name, $"tier {t + 1}");
                if (tier[v] >= 0) throw new InputException($"node '{name}' is in tier {tier[v] + 1} and tier {t + 1}");
                tier[v] = t;
            }
        foreach (var (a, b) in required)
        {
            if (forbidden.Contains((a, b))) throw new InputException($"the edge {names[a]}->{names[b]} is both required and forbidden");
            if (required.Contains((b, a))) throw new InputException($"the edges {names[a]}->{names[b]} and {names[b]}->{names[a]} are both required");
            if (tier[a] >= 0 && tier[b] >= 0 && tier[a] > tier[b])
                throw new InputException($"the required edge {names[a]}->{names[b]} points from tier {tier[a] + 1} back to tier {tier[b] + 1}");
        }
        return (required, forbidden, tier);
    }

    /// <summary>
    /// A contract model over the discovered graph with linear mechanisms fitted by least squares on the
    /// rows where each node's mechanism is judged intact (the observational rows and the regimes that
    /// do not target it). Roles are left as covariates: the data do not say which node is a treatment.
    /// </summary>
    public static CausalModel ToModel(DiscoveryResult result, IReadOnlyList<DataTable> data, string name = "discovered")
    {
        var graph = result.Graph();
        var mechanisms = new Mechanism?[graph.Count];
        for (var j = 0; j < graph.Count; j++)
        {
            if (graph.IsRoot(j)) continue;
            var tables = new List<DataTable> { data[0] };
            for (var r = 0; r < result.Regimes.Count; r++)
                if (!result.Targets[r].Any(t => t.Node == graph.Names[j])) tables.Add(data[r + 1]);
            double[] Column(string n) => tables.SelectMany(t => t[n]).ToArray();
            var parents = graph.Parents[j].Select(q => graph.Names[q]).ToList();
            mechanisms[j] = LeastSquares.Fit(graph.Names[j], parents, parents.Select(Column).ToList(), Column(graph.Names[j]));
        }
        var nodes = graph.Names.Select(n => new NodeSpec(n, NodeRole.Covariate, NodeType.Continuous, true)).ToList();
        return new CausalModel(name, graph, nodes, mechanisms);
    }
}
