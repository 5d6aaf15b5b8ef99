namespace OrleansRca.Causal.Discrete;

/// <summary>
/// A junction tree of a Bayesian network's moral graph (min-fill triangulation, maximum-weight spanning
/// tree over separator sizes), with every table operation precompiled into index maps so that a
/// message is one pass over a clique table. Tables are laid out with the last (highest-numbered)
/// variable varying fastest.
/// </summary>
/// <remarks>
/// Any surgery do(X_i = a) keeps the tree valid: removing X_i's parent edges only removes edges from
/// the moral graph, and the indicator that replaces X_i's CPT lives in the clique that held the CPT.
/// Message ids: tree edge e carries message 2e from <c>EdgeA[e]</c> to <c>EdgeB[e]</c> and 2e+1 back.
/// </remarks>
internal sealed class JunctionTree
{
    public required int[] Card { get; init; }
    public required int[][] Vars { get; init; }
    public required int[] Size { get; init; }
    public required int[][] Neighbours { get; init; }
    public required int[][] InMsg { get; init; }
    public required int[][] OutMsg { get; init; }
    /// <summary>Per clique and neighbour slot: clique entry -> separator entry.</summary>
    public required int[][][] SepMap { get; init; }
    public required int[] MsgSize { get; init; }
    /// <summary>Per variable: the clique holding its family (where its CPT is multiplied in).</summary>
    public required int[] Home { get; init; }
    /// <summary>Per variable: home-clique entry -> CPT index (parent configuration * K + state).</summary>
    public required int[][] FamilyMap { get; init; }
    /// <summary>Per clique: the variables whose CPT it holds.</summary>
    public required int[][] Assigned { get; init; }

    public int CliqueCount => Vars.Length;

    /// <summary>Builds the tree.</summary>
    /// <exception cref="InputException">A clique table would exceed <paramref name="maxEntries"/> entries.</exception>
    public static JunctionTree Build(BayesianNetwork net, long maxEntries)
    {
        var n = net.Count;
        var card = net.Variables.Select(v => v.Cardinality).ToArray();
        var cliques = Triangulate(net, card, maxEntries);
        var (edgeA, edgeB) = SpanningTree(cliques, n);

        var c = cliques.Count;
        var size = new int[c];
        for (var i = 0; i < c; i++)
        {
            long s = 1;
            foreach (var v in cliques[i]) s *= card[v];
            size[i] = (int)s;
        }

        var nbLists = Enumerable.Range(0, c).Select(_ => new List<(int Nb, int In, int Out, int Edge)>()).ToArray();
        var msgSize = new int[2 * edgeA.Length];
        var sepVars = new int[edgeA.Length][];
        for (var e = 0; e < edgeA.Length; e++)
        {
            sepVars[e] = cliques[edgeA[e]].Intersect(cliques[edgeB[e]]).Order().ToArray();
            long s = 1;
            foreach (var v in sepVars[e]) s *= card[v];
            msgSize[2 * e] = msgSize[2 * e + 1] = (int)s;
            nbLists[edgeA[e]].Add((edgeB[e], 2 * e + 1, 2 * e, e));
            nbLists[edgeB[e]].Add((edgeA[e], 2 * e, 2 * e + 1, e));
        }

        var sepMap = new int[c][][];
        for (var i = 0; i < c; i++)
        {
            sepMap[i] = new int[nbLists[i].Count][];
            for (var s = 0; s < nbLists[i].Count; s++)
            {
                var sv = sepVars[nbLists[i][s].Edge];
                sepMap[i][s] = BuildMap(cliques[i], card, StridesInto(cliques[i], sv, card));
            }
        }

        // Each CPT goes to the smallest clique holding its whole family.
        var home = new int[n];
        var familyMap = new int[n][];
        var assigned = Enumerable.Range(0, c).Select(_ => new List<int>()).ToArray();
        for (var v = 0; v < n; v++)
        {
            var variable = net.Variables[v];
            var family = variable.ParentIndices.Append(v).ToArray();
            var best = -1;
            for (var i = 0; i < c; i++)
                if ((best < 0 || size[i] < size[best]) && family.All(f => Array.BinarySearch(cliques[i], f) >= 0))
                    best = i;
            if (best < 0) throw new InvalidOperationException($"no clique holds the family of '{variable.Name}'");
            home[v] = best;
            assigned[best].Add(v);

            // CPT index = parentConfig * K + state, parents with the last one fastest.
            var strides = new int[cliques[best].Length];
            var paStride = card[v];
            for (var t = variable.ParentIndices.Length - 1; t >= 0; t--)
            {
                strides[Array.BinarySearch(cliques[best], variable.ParentIndices[t])] = paStride;
                paStride *= card[variable.ParentIndices[t]];
            }
            strides[Array.BinarySearch(cliques[best], v)] = 1;
            familyMap[v] = BuildMap(cliques[best], card, strides);
        }

        return new JunctionTree
        {
            Card = card,
            Vars = [.. cliques],
            Size = size,
            Neighbours = nbLists.Select(l => l.Select(x => x.Nb).ToArray()).ToArray(),
            InMsg = nbLists.Select(l => l.Select(x => x.In).ToArray()).ToArray(),
            OutMsg = nbLists.Select(l => l.Select(x => x.Out).ToArray()).ToArray(),
            SepMap = sepMap,
            MsgSize = msgSize,
            Home = home,
            FamilyMap = familyMap,
            Assigned = assigned.Select(a => a.ToArray()).ToArray(),
        };
    }

    /// <summary>Strides of <paramref name="sub"/>'s table (last variable fastest), placed at the positions of <paramref name="vars"/>; 0 elsewhere.</summary>
    private static int[] StridesInto(int[] vars, int[] sub, int[] card)
    {
        var strides = new int[vars.Length];
        var stride = 1;
        for (var t = sub.Length - 1; t >= 0; t--)
        {
            strides[Array.BinarySearch(vars, sub[t])] = stride;
            stride *= card[sub[t]];
        }
        return strides;
    }

    /// <summary>For every entry of the table over <paramref name="vars"/>, the sum of state * stride.</summary>
    private static int[] BuildMap(int[] vars, int[] card, int[] strides)
    {
        long size = 1;
        foreach (var v in vars) size *= card[v];
        var map = new int[size];
        var digits = new int[vars.Length];
        var cur = 0;
        for (var e = 0; e < map.Length; e++)
        {
            map[e] = cur;
            for (var t = vars.Length - 1; t >= 0; t--)
            {
                cur += strides[t];
                if (++digits[t] < card[vars[t]]) break;
                cur -= strides[t] * card[vars[t]];
                digits[t] = 0;
            }
        }
        return map;
    }

    /// <summary>Greedy min-fill elimination (ties: smallest clique table) on the moral graph; returns the maximal cliques.</summary>
    private static List<int[]> Triangulate(BayesianNetwork net, int[] card, long maxEntries)
    {
        var n = net.Count;
        var adj = Enumerable.Range(0, n).Select(_ => new HashSet<int>()).ToArray();
        foreach (var v in net.Variables)
        {
            var fam = v.ParentIndices.Append(v.Index).ToArray();
            for (var a = 0; a < fam.Length; a++)
                for (var b = a + 1; b < fam.Length; b++)
                {
                    adj[fam[a]].Add(fam[b]);
                    adj[fam[b]].Add(fam[a]);
                }
        }

        var logCard = card.Select(k => Math.Log(k)).ToArray();
        var alive = Enumerable.Repeat(true, n).ToArray();
        var fill = new int[n];
        var weight = new double[n];
        void Score(int v)
        {
            var nb = adj[v].ToArray();
            var f = 0;
            var w = logCard[v];
            for (var a = 0; a < nb.Length; a++)
            {
                w += logCard[nb[a]];
                for (var b = a + 1; b < nb.Length; b++)
                    if (!adj[nb[a]].Contains(nb[b])) f++;
            }
            fill[v] = f;
            weight[v] = w;
        }
        for (var v = 0; v < n; v++) Score(v);

        var cliques = new List<int[]>();
        var cliquesOf = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        for (var step = 0; step < n; step++)
        {
            var v = -1;
            for (var u = 0; u < n; u++)
                if (alive[u] && (v < 0 || fill[u] < fill[v] || (fill[u] == fill[v] && weight[u] < weight[v] - 1e-12)))
                    v = u;

            var nb = adj[v].ToArray();
            var clique = nb.Append(v).Order().ToArray();
            long entries = 1;
            foreach (var u in clique) entries *= card[u];
            if (entries > maxEntries)
                throw new InputException(
                    $"the network is too densely connected for exact inference: a clique of {clique.Length} nodes " +
                    $"({string.Join(", ", clique.Take(8).Select(u => net.Variables[u].Name))}{(clique.Length > 8 ? ", ..." : "")}) " +
                    $"needs {entries} table entries (limit {maxEntries})");

            // Keep only maximal cliques; a smaller one can only sit inside an earlier clique that holds v.
            var contained = cliquesOf[v].Any(ci => clique.All(u => Array.BinarySearch(cliques[ci], u) >= 0));
            if (!contained)
            {
                foreach (var u in clique) cliquesOf[u].Add(cliques.Count);
                cliques.Add(clique);
            }

            var affected = new HashSet<int>(nb);
            for (var a = 0; a < nb.Length; a++)
            {
                for (var b = a + 1; b < nb.Length; b++)
                    if (adj[nb[a]].Add(nb[b])) adj[nb[b]].Add(nb[a]);
            }
            foreach (var a in nb)
            {
                adj[a].Remove(v);
                foreach (var w in adj[a]) affected.Add(w);
            }
            alive[v] = false;
            adj[v].Clear();
            foreach (var a in affected)
                if (alive[a]) Score(a);
        }
        return cliques;
    }

    /// <summary>Prim's maximum spanning tree over separator sizes (empty separators join components).</summary>
    private static (int[] A, int[] B) SpanningTree(List<int[]> cliques, int n)
    {
        var c = cliques.Count;
        var inTree = new bool[c];
        var key = Enumerable.Repeat(-1, c).ToArray();
        var from = new int[c];
        var edgeA = new List<int>();
        var edgeB = new List<int>();
        var mark = new int[n];
        var stamp = 0;
        var next = 0;
        for (var added = 0; added < c; added++)
        {
            var i = next;
            inTree[i] = true;
            if (added > 0)
            {
                edgeA.Add(from[i]);
                edgeB.Add(i);
            }
            stamp++;
            foreach (var v in cliques[i]) mark[v] = stamp;
            next = -1;
            for (var j = 0; j < c; j++)
            {
                if (inTree[j]) continue;
                var shared = 0;
                foreach (var v in cliques[j]) if (mark[v] == stamp) shared++;
                if (shared > key[j]) { key[j] = shared; from[j] = i; }
                if (next < 0 || key[j] > key[next]) next = j;
            }
        }
        return ([.. edgeA], [.. edgeB]);
    }

    /// <summary>Clique potential: product of the assigned CPTs; <paramref name="doVar"/>'s CPT becomes the indicator of <paramref name="doState"/>.</summary>
    public void Potential(int clique, double[][] cpts, int doVar, int doState, double[] psi)
    {
        var size = Size[clique];
        psi.AsSpan(0, size).Fill(1.0);
        foreach (var v in Assigned[clique])
        {
            var map = FamilyMap[v];
            if (v == doVar)
            {
                var k = Card[v];
                for (var e = 0; e < size; e++)
                    if (map[e] % k != doState) psi[e] = 0;
            }
            else
            {
                var cpt = cpts[v];
                for (var e = 0; e < size; e++) psi[e] *= cpt[map[e]];
            }
        }
    }

    /// <summary>Sends the message from <paramref name="clique"/> to its neighbour in <paramref name="slot"/>: the potential times every other incoming message, summed onto the separator.</summary>
    public void Send(int clique, int slot, double[] psi, double[][] msgs)
    {
        var target = msgs[OutMsg[clique][slot]];
        Array.Clear(target);
        var maps = SepMap[clique];
        var inIds = InMsg[clique];
        var outMap = maps[slot];
        var size = Size[clique];
        var degree = maps.Length;
        if (degree == 1)
        {
            for (var e = 0; e < size; e++) target[outMap[e]] += psi[e];
            return;
        }
        if (degree == 2)
        {
            var other = 1 - slot;
            var m = msgs[inIds[other]];
            var map = maps[other];
            for (var e = 0; e < size; e++) target[outMap[e]] += psi[e] * m[map[e]];
            return;
        }
        for (var e = 0; e < size; e++)
        {
            var v = psi[e];
            if (v == 0) continue;
            for (var s = 0; s < degree; s++)
                if (s != slot) v *= msgs[inIds[s]][maps[s][e]];
            target[outMap[e]] += v;
        }
    }

    /// <summary>Belief of a clique: its potential times all incoming messages.</summary>
    public void Belief(int clique, double[] psi, double[][] msgs, double[] belief)
    {
        var size = Size[clique];
        Array.Copy(psi, belief, size);
        var maps = SepMap[clique];
        var inIds = InMsg[clique];
        for (var s = 0; s < maps.Length; s++)
        {
            var m = msgs[inIds[s]];
            var map = maps[s];
            for (var e = 0; e < size; e++) belief[e] *= m[map[e]];
        }
    }

    /// <summary>Cliques in breadth-first order from <paramref name="root"/>, with each one's parent and the parent's slot index pointing at it.</summary>
    public (int[] Order, int[] Parent) Bfs(int root)
    {
        var order = new int[CliqueCount];
        var parent = Enumerable.Repeat(-1, CliqueCount).ToArray();
        var seen = new bool[CliqueCount];
        var head = 0;
        var tail = 0;
        order[tail++] = root;
        seen[root] = true;
        while (head < tail)
        {
            var c = order[head++];
            foreach (var nb in Neighbours[c])
            {
                if (seen[nb]) continue;
                seen[nb] = true;
                parent[nb] = c;
                order[tail++] = nb;
            }
        }
        return (order, parent);
    }
}
