namespace OrleansRca.Causal.Discrete;

/// <summary>
/// What a caller supplies to build one variable of a <see cref="BayesianNetwork"/>: its states, its
/// parents by name and its conditional probability table.
/// </summary>
/// <param name="Name">Unique, case-sensitive name.</param>
/// <param name="States">The variable's states, in order (at least one, distinct).</param>
/// <param name="Parents">Parent names, in the order the table is laid out.</param>
/// <param name="Cpt">
/// P(X | parents) as given (not renormalised): entry <c>row * States.Count + k</c> is the probability of
/// state k in parent configuration <c>row</c>; rows enumerate the parents' states with the last parent
/// varying fastest (the order of <c>itertools.product</c> and of pgmpy).
/// </param>
public sealed record VariableSpec(string Name, IReadOnlyList<string> States, IReadOnlyList<string> Parents, double[] Cpt);

/// <summary>One variable of a discrete Bayesian network.</summary>
public sealed class DiscreteVariable
{
    internal DiscreteVariable(int index, string name, string[] states, int[] parents, double[] cpt, int stateOffset)
    {
        Index = index;
        Name = name;
        StateNames = states;
        ParentIndices = parents;
        RawCpt = cpt;
        StateOffset = stateOffset;
    }

    /// <summary>Position in <see cref="BayesianNetwork.Variables"/> (the order of the file).</summary>
    public int Index { get; }

    /// <summary>Name of the variable.</summary>
    public string Name { get; }

    /// <summary>States in file order.</summary>
    public IReadOnlyList<string> States => StateNames;

    /// <summary>Indices of the parents, in CPT layout order.</summary>
    public IReadOnlyList<int> Parents => ParentIndices;

    /// <summary>Indices of the children.</summary>
    public IReadOnlyList<int> Children => ChildIndices;

    /// <summary>Number of states.</summary>
    public int Cardinality => StateNames.Length;

    /// <summary>Offset of this variable's first state in the network-wide state numbering.</summary>
    public int StateOffset { get; }

    /// <summary>The CPT exactly as given (layout of <see cref="VariableSpec.Cpt"/>).</summary>
    public ReadOnlySpan<double> Cpt => RawCpt;

    internal string[] StateNames { get; }
    internal int[] ParentIndices { get; }
    internal int[] ChildIndices { get; set; } = [];
    internal double[] RawCpt { get; }

    /// <summary>Index of a state, or -1.</summary>
    public int StateIndex(string state) => Array.IndexOf(StateNames, state);
}

/// <summary>
/// A discrete Bayesian network: a DAG of categorical variables with one CPT each. Immutable and
/// validated on construction (unknown or duplicate names, cycles, tables of the wrong size,
/// probabilities outside [0, 1] and rows that do not sum to 1 within <see cref="SumTolerance"/>
/// are <see cref="InputException"/>s naming the variable and the row).
/// </summary>
public sealed class BayesianNetwork
{
    /// <summary>
    /// How far a CPT row may sum from 1. Published networks carry rounded tables (ALARM's HREKG rows sum
    /// to 0.9999999), so the check is loose; inference follows pgmpy's convention for such rows.
    /// </summary>
    public const double SumTolerance = 1e-6;

    private readonly Dictionary<string, int> _index;
    private readonly DiscreteVariable[] _variables;

    private BayesianNetwork(string name, DiscreteVariable[] variables, Dictionary<string, int> index, int[] topo)
    {
        Name = name;
        _variables = variables;
        _index = index;
        TopologicalOrder = topo;
        StateCount = variables.Sum(v => v.Cardinality);
        ParentLists = variables.Select(v => v.Parents).ToArray();
        ChildLists = variables.Select(v => v.Children).ToArray();
    }

    /// <summary>Each variable's parents (by index), for the shared graph algorithms of <see cref="Graphs.Dag"/>.</summary>
    public IReadOnlyList<IReadOnlyList<int>> ParentLists { get; }

    /// <summary>Each variable's children (by index).</summary>
    public IReadOnlyList<IReadOnlyList<int>> ChildLists { get; }

    /// <summary>Name of the network (from the file; may be empty).</summary>
    public string Name { get; }

    /// <summary>Variables in file order.</summary>
    public IReadOnlyList<DiscreteVariable> Variables => _variables;

    /// <summary>Number of variables.</summary>
    public int Count => _variables.Length;

    /// <summary>Total number of states over all variables (the size of the network-wide state numbering).</summary>
    public int StateCount { get; }

    /// <summary>Variable indices with every parent before its children (stable: file order among equals).</summary>
    public IReadOnlyList<int> TopologicalOrder { get; }

    /// <summary>The variable called <paramref name="name"/>.</summary>
    /// <exception cref="InputException">No such variable.</exception>
    public DiscreteVariable this[string name] =>
        _index.TryGetValue(name, out var i) ? _variables[i] : throw new InputException($"unknown node '{name}'");

    /// <summary>Index of a variable, or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>Network-wide number of (variable, state), or throws naming what is unknown.</summary>
    /// <exception cref="InputException">Unknown variable or state.</exception>
    public int GlobalState(string node, string state)
    {
        var v = this[node];
        var k = v.StateIndex(state);
        if (k < 0)
            throw new InputException($"node '{node}' has no state '{state}' (states: {string.Join(", ", v.States)})");
        return v.StateOffset + k;
    }

    /// <summary>The (variable, state) pair of a network-wide state number.</summary>
    public (int Node, int State) FromGlobal(int globalState)
    {
        var owner = StateOwner[globalState];
        return (owner, globalState - _variables[owner].StateOffset);
    }

    /// <summary>For each network-wide state number, the variable that owns it.</summary>
    internal int[] StateOwner => _stateOwner ??= BuildOwners();
    private int[]? _stateOwner;

    private int[] BuildOwners()
    {
        var owner = new int[StateCount];
        foreach (var v in _variables)
            owner.AsSpan(v.StateOffset, v.Cardinality).Fill(v.Index);
        return owner;
    }

    /// <summary>Builds and validates a network.</summary>
    /// <exception cref="InputException">Any structural or numerical problem, naming the variable (and row).</exception>
    public static BayesianNetwork Create(string name, IReadOnlyList<VariableSpec> specs)
    {
        if (specs.Count == 0)
            throw new InputException("the network has no variables");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < specs.Count; i++)
        {
            var s = specs[i];
            if (string.IsNullOrEmpty(s.Name))
                throw new InputException($"variable #{i + 1} has an empty name");
            if (!index.TryAdd(s.Name, i))
                throw new InputException($"node '{s.Name}' is declared twice");
            if (s.States.Count == 0)
                throw new InputException($"node '{s.Name}' has no states");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var st in s.States)
                if (!seen.Add(st))
                    throw new InputException($"node '{s.Name}' lists state '{st}' twice");
        }

        var variables = new DiscreteVariable[specs.Count];
        var offset = 0;
        for (var i = 0; i < specs.Count; i++)
        {
            var s = specs[i];
            var parents = new int[s.Parents.Count];
            for (var p = 0; p < parents.Length; p++)
            {
                if (!index.TryGetValue(s.Parents[p], out parents[p]))
                    throw new InputException($"node '{s.Name}' names unknown parent '{s.Parents[p]}'");
                if (parents[p] == i)
                    throw new InputException($"node '{s.Name}' is its own parent");
                if (Array.IndexOf(parents, parents[p], 0, p) >= 0)
                    throw new InputException($"node '{s.Name}' lists parent '{s.Parents[p]}' twice");
            }
            variables[i] = new DiscreteVariable(i, s.Name, [.. s.States], parents, s.Cpt, offset);
            offset += s.States.Count;
        }

        foreach (var v in variables)
            ValidateCpt(v, variables);

        var children = new List<int>[variables.Length];
        for (var i = 0; i < children.Length; i++) children[i] = [];
        foreach (var v in variables)
            foreach (var p in v.ParentIndices)
                children[p].Add(v.Index);
        for (var i = 0; i < variables.Length; i++) variables[i].ChildIndices = [.. children[i]];

        var topo = Graphs.Dag.TopologicalOrder(variables.Select(v => v.Parents).ToArray(), variables.Select(v => v.Children).ToArray(),
            variables.Select(v => v.Name).ToArray(), "network");
        return new BayesianNetwork(name, variables, index, topo);
    }

    /// <summary>Human-readable name of a CPT row: "row (parent states)", or "table" for a root.</summary>
    internal static string RowLabel(DiscreteVariable v, IReadOnlyList<DiscreteVariable> all, int row)
    {
        if (v.ParentIndices.Length == 0) return "table";
        var labels = new string[v.ParentIndices.Length];
        for (var t = labels.Length - 1; t >= 0; t--)
        {
            var p = all[v.ParentIndices[t]];
            labels[t] = p.StateNames[row % p.Cardinality];
            row /= p.Cardinality;
        }
        return "row (" + string.Join(", ", labels) + ")";
    }

    private static void ValidateCpt(DiscreteVariable v, DiscreteVariable[] all)
    {
        long rows = 1;
        foreach (var p in v.ParentIndices)
        {
            rows *= all[p].Cardinality;
            if (rows > int.MaxValue / 16)
                throw new InputException($"node '{v.Name}': the table has too many rows");
        }
        var k = v.Cardinality;
        if (v.RawCpt.Length != rows * k)
            throw new InputException(
                $"node '{v.Name}': the table has {v.RawCpt.Length} values, expected {rows} rows of {k} = {rows * k}");
        for (var r = 0; r < rows; r++)
        {
            var sum = 0.0;
            for (var s = 0; s < k; s++)
            {
                var p = v.RawCpt[r * k + s];
                if (!double.IsFinite(p) || p < 0 || p > 1)
                    throw new InputException(
                        $"node '{v.Name}', {RowLabel(v, all, r)}: probability {Format(p)} of state '{v.StateNames[s]}' is outside [0, 1]");
                sum += p;
            }
            if (Math.Abs(sum - 1) > SumTolerance)
                throw new InputException(
                    $"node '{v.Name}', {RowLabel(v, all, r)}: probabilities sum to {sum.ToString("G12", CultureInfo.InvariantCulture)}, not 1 (tolerance {SumTolerance:g})");
        }
    }

    private static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
