namespace OrleansRca.Causal.Mediation;

/// <summary>
/// Which nodes each piece of a mediation analysis must recompute (partitioned subgraph mediation):
/// everything else keeps its baseline value. All treatments are always forced, so paths through
/// a treatment are cut.
/// </summary>
public sealed class MediationPlan
{
    public int[] Treatments { get; }
    public int[] Mediators { get; }
    public int Outcome { get; }
    /// <summary>Per treatment: descendants that feed a mediator or the outcome (step 2, and the total effect).</summary>
    public int[][] TreatmentCut { get; }
    /// <summary>Per treatment: descendants that reach the outcome without passing a mediator (natural direct effect).</summary>
    public int[][] DirectCut { get; }
    /// <summary>Per mediator: descendants that reach the outcome (step 3).</summary>
    public int[][] MediatorCut { get; }
    /// <summary>Nodes whose full columns a treatment run must keep; the rest stay in chunk scratch.</summary>
    public IReadOnlySet<int> MediatorsAndOutcome { get; }
    public IReadOnlySet<int> OutcomeOnly { get; }
    /// <summary>Per treatment and mediator: whether the treatment can move the mediator at all.</summary>
    public bool[,] Reaches { get; }

    private MediationPlan(int[] treatments, int[] mediators, int outcome, int[][] treatmentCut, int[][] directCut, int[][] mediatorCut, bool[,] reaches)
    {
        Treatments = treatments;
        Mediators = mediators;
        Outcome = outcome;
        TreatmentCut = treatmentCut;
        DirectCut = directCut;
        MediatorCut = mediatorCut;
        Reaches = reaches;
        MediatorsAndOutcome = mediators.Append(outcome).ToHashSet();
        OutcomeOnly = new HashSet<int> { outcome };
    }

    public static MediationPlan Create(CausalModel model, MediationOptions options)
    {
        var g = model.Graph;
        var treatments = Resolve(g, options.Treatments, model.NodesWithRole(NodeRole.Treatment), "treatment");
        var mediators = Resolve(g, options.Mediators, model.NodesWithRole(NodeRole.Mediator), "mediator");
        int outcome;
        if (options.Outcome is not null) outcome = Node(g, options.Outcome, "outcome");
        else
        {
            var outcomes = model.NodesWithRole(NodeRole.Outcome).ToList();
            outcome = outcomes.Count switch
            {
                1 => outcomes[0],
                0 => throw new InputException("no outcome: give one node the role 'outcome' or pass --outcome"),
                _ => throw new InputException($"several nodes have the role 'outcome' ({string.Join(", ", outcomes.Select(v => g.Names[v]))}): pass --outcome"),
            };
        }
        if (treatments.Length == 0) throw new InputException("no treatment: give nodes the role 'treatment' or pass --treatment");
        foreach (var t in treatments)
        {
            if (mediators.Contains(t)) throw new InputException($"node '{g.Names[t]}' is both a treatment and a mediator");
            if (t == outcome) throw new InputException($"node '{g.Names[t]}' is both a treatment and the outcome");
        }
        if (mediators.Contains(outcome)) throw new InputException($"node '{g.Names[outcome]}' is both a mediator and the outcome");

        var treatmentSet = treatments.ToHashSet();
        var mediatorSet = mediators.ToHashSet();
        var feedsTargets = g.Ancestors(mediators.Append(outcome));
        var feedsOutcome = g.Ancestors([outcome]);

        var treatmentCut = new int[treatments.Length][];
        var directCut = new int[treatments.Length][];
        var reaches = new bool[treatments.Length, mediators.Length];
        for (var i = 0; i < treatments.Length; i++)
        {
            var t = treatments[i];
            var down = g.Descendants([t], treatmentSet);
            treatmentCut[i] = Cut(g, down, feedsTargets, t);
            for (var j = 0; j < mediators.Length; j++) reaches[i, j] = down[mediators[j]];
            var direct = g.Descendants([t], treatmentSet.Union(mediatorSet).ToHashSet());
            directCut[i] = Cut(g, direct, feedsOutcome, t);
        }
        var mediatorCut = new int[mediators.Length][];
        for (var j = 0; j < mediators.Length; j++)
        {
            var down = g.Descendants([mediators[j]], treatmentSet);
            mediatorCut[j] = Cut(g, down, feedsOutcome, mediators[j]);
        }
        return new MediationPlan(treatments, mediators, outcome, treatmentCut, directCut, mediatorCut, reaches);
    }

    private static int[] Cut(CausalGraph g, bool[] down, bool[] feeds, int source) =>
        g.TopologicalOrder.Where(v => v != source && down[v] && feeds[v]).ToArray();

    private static int[] Resolve(CausalGraph g, IReadOnlyList<string>? names, IEnumerable<int> byRole, string what)
    {
        if (names is null || names.Count == 0) return byRole.ToArray();
        var result = names.Select(n => Node(g, n, what)).ToArray();
        var duplicate = result.GroupBy(v => v).FirstOrDefault(x => x.Count() > 1);
        if (duplicate is not null) throw new InputException($"{what} '{g.Names[duplicate.Key]}' is given twice");
        return result;
    }

    private static int Node(CausalGraph g, string name, string what) =>
        g.TryGetIndex(name, out var v) ? v : throw new InputException($"the {what} '{name}' is not a node of the model");
}
