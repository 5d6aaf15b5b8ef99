namespace OrleansRca.Causal.Discovery;

/// <summary>
/// A discovery cut into the steps a cluster spreads out: <see cref="Screen"/> per node, then
/// <see cref="Candidates"/>, then <see cref="FirstScores"/> per node (the local scores every search
/// starts from), then <see cref="Search"/>. Every step is a deterministic function of the data and the
/// options, so the pieces may run anywhere and the result equals <see cref="CausalDiscovery.Discover"/>'s.
/// </summary>
public sealed class DiscoveryProblem
{
    private readonly HashSet<(int, int)> _required;
    private readonly HashSet<(int, int)> _forbidden;
    private readonly int[] _tier;
    private readonly double[] _correlation;

    public RegimeStatistics Statistics { get; }
    public DiscoveryOptions Options { get; }
    public IReadOnlyList<string> Sources { get; }
    public int Nodes => Statistics.Nodes;
    /// <summary>Interventional regimes (data sets after the first).</summary>
    public int Regimes => Statistics.Regimes - 1;
    internal ParallelOptions Parallel { get; }

    private DiscoveryProblem(RegimeStatistics stats, DiscoveryOptions options, IReadOnlyList<string> sources)
    {
        Statistics = stats;
        Options = options;
        Sources = sources;
        (_required, _forbidden, _tier) = CausalDiscovery.Resolve(stats.Names, options.Knowledge);
        _correlation = stats.WithinRegimeCorrelation();
        Parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism ?? Environment.ProcessorCount };
    }

    /// <summary>Checks the data and the knowledge (an <see cref="InputException"/> names any problem) and summarises the data.</summary>
    public static DiscoveryProblem Create(IReadOnlyList<DataTable> data, IReadOnlyList<string> sources, DiscoveryOptions? options = null)
    {
        options ??= new DiscoveryOptions();
        options.Validate();
        if (sources.Count != data.Count) throw new ArgumentException("one source name per data set");
        return new DiscoveryProblem(RegimeStatistics.Create(data, sources, options.MaxParallelism), options, sources);
    }

    /// <summary>Node j's screen: its estimated Markov blanket (node indices).</summary>
    public int[] Screen(int node) => CandidateScreen.Screen(Statistics, _correlation, Options, node);

    /// <summary>Every node's parent candidates, from all the screens.</summary>
    public int[][] Candidates(IReadOnlyList<int[]> screens)
    {
        if (screens.Count != Nodes) throw new ArgumentException($"{screens.Count} screens for {Nodes} nodes");
        return CandidateScreen.Assemble(Statistics, _correlation, Options, screens, (i, j) => _required.Contains((i, j)) || _required.Contains((j, i)));
    }

    private double TargetPrior => Math.Min(0.5, Options.ExpectedTargetsPerRegime / Nodes);

    private NodeScorer Scorer(int node, int[] candidates) =>
        new(Statistics, node, candidates, Options.Penalty, TargetPrior, Math.Max(2, Options.TargetPasses), Options.EdgePenalty * Math.Log(Nodes));

    /// <summary>Node j's local scores (with its target decisions) for the empty parent set and each single candidate, packed.</summary>
    public double[] FirstScores(int node, int[] candidates)
    {
        var scorer = Scorer(node, candidates);
        return NodeScorer.Pack(NodeScorer.FirstMasks(candidates.Length).Select(scorer.Score).ToList(), Statistics.Regimes);
    }

    /// <summary>
    /// The search over DAGs and orders with seeded restarts, then confidences and targets.
    /// <paramref name="firstScores"/> (from <see cref="FirstScores"/>, per node) spares recomputing those.
    /// <paramref name="progress"/> hears the share of climbs done (the first and each restart's), which take nearly all the time.
    /// </summary>
    public DiscoveryResult Search(int[][] candidates, IReadOnlyList<double[]>? firstScores = null, IProgress<double>? progress = null)
    {
        var p = Nodes;
        var stats = Statistics;
        var options = Options;
        var scorers = new NodeScorer[p];
        for (var j = 0; j < p; j++)
        {
            scorers[j] = Scorer(j, candidates[j]);
            if (firstScores is null) continue;
            var masks = NodeScorer.FirstMasks(candidates[j].Length);
            var results = NodeScorer.Unpack(firstScores[j], stats.Regimes);
            if (results.Length != masks.Length) throw new ArgumentException($"node {j}: {results.Length} first scores for {masks.Length} parent sets");
            for (var k = 0; k < masks.Length; k++) scorers[j].Seed(masks[k], results[k]);
        }
        bool Allowed(int parent, int child) =>
            !_forbidden.Contains((parent, child)) && (_tier[parent] < 0 || _tier[child] < 0 || _tier[parent] <= _tier[child]);
        var allowed = Enumerable.Range(0, p).Select(j => candidates[j].Select(c => Allowed(c, j)).ToArray()).ToArray();
        var requiredFlags = Enumerable.Range(0, p).Select(j => candidates[j].Select(c => _required.Contains((c, j))).ToArray()).ToArray();
        // Parent sets must leave the observational fit residual degrees of freedom.
        var maxParents = Math.Max(1, Math.Min(options.MaxParents, stats.Rows[0] - 3));

        var search = new GreedySearch(scorers, allowed, requiredFlags, maxParents, Parallel);
        CausalDiscovery.Alternate(search, scorers, allowed, requiredFlags, maxParents, stats.Names, candidates, options.SearchRounds);
        progress?.Report(1.0 / (options.Restarts + 1));

        // Iterated local search: perturb the best order, climb again, keep the result if it scores higher.
        var bestMasks = (ulong[])search.Masks.Clone();
        var bestScore = search.Scores.Sum();
        var random = new Random(options.Seed);
        for (var restart = 0; restart < options.Restarts; restart++)
        {
            var best = CausalDiscovery.DagOf(stats.Names, candidates, bestMasks);
            var perturbed = best.TopologicalOrder.ToList();
            var edgeList = Enumerable.Range(0, p).SelectMany(j => best.Parents[j].Select(c => (Parent: c, Child: j))).ToList();
            for (var k = Math.Max(CausalDiscovery.PerturbationMinimum, p / CausalDiscovery.PerturbationShare); k > 0; k--)
            {
                // Alternately: a random node to a random place, and an edge's child to just before its parent (a reversal in order space).
                if (k % 2 == 0 || edgeList.Count == 0)
                {
                    var v = perturbed[random.Next(p)];
                    perturbed.Remove(v);
                    perturbed.Insert(random.Next(p), v);
                }
                else
                {
                    var (parent, child) = edgeList[random.Next(edgeList.Count)];
                    perturbed.Remove(child);
                    perturbed.Insert(perturbed.IndexOf(parent), child);
                }
            }
            var orders = new OrderSearch(scorers, allowed, requiredFlags, maxParents, [.. perturbed]);
            orders.Climb(CausalDiscovery.OrderSweeps);
            search.Reset(orders.Masks);
            CausalDiscovery.Alternate(search, scorers, allowed, requiredFlags, maxParents, stats.Names, candidates, options.SearchRounds);
            var score = search.Scores.Sum();
            if (score > bestScore + 1e-9)
            {
                bestScore = score;
                bestMasks = (ulong[])search.Masks.Clone();
            }
            progress?.Report((restart + 2.0) / (options.Restarts + 1));
        }
        search.Reset(bestMasks);

        var edges = CausalDiscovery.EdgeConfidences(search, candidates, requiredFlags, stats.Names);
        var regimes = Regimes;
        var probabilities = new double[regimes][];
        for (var r = 0; r < regimes; r++) probabilities[r] = new double[p];
        var finals = Enumerable.Range(0, p).Select(j => scorers[j].Score(search.Masks[j])).ToArray();
        for (var j = 0; j < p; j++)
            for (var r = 0; r < regimes; r++) probabilities[r][j] = finals[j].Posterior[r + 1];
        var targets = new IReadOnlyList<DiscoveredTarget>[regimes];
        for (var r = 0; r < regimes; r++)
            targets[r] = Enumerable.Range(0, p).Where(j => finals[j].Targets[r + 1])
                .Select(j => new DiscoveredTarget(stats.Names[j], probabilities[r][j])).ToList();
        return new DiscoveryResult
        {
            Nodes = stats.Names,
            Regimes = Sources.Skip(1).ToList(),
            Edges = edges,
            Targets = targets,
            TargetProbabilities = probabilities,
            Score = search.Scores.Sum(),
            Moves = search.Moves,
            LocalScores = scorers.Sum(s => s.CacheSize),
        };
    }
}
