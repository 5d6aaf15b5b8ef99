using System.Runtime.InteropServices;

namespace OrleansRca.Causal.Counterfactuals;

/// <summary>
/// Columnar counterfactual propagation and noise abduction (additive noise, or each mechanism's own coupling).
/// Columns are node-indexed arrays of full-length <c>double[]</c>. Work is cut into row chunks
/// that fit in cache; each chunk runs all requested nodes in topological order, and chunks run
/// in parallel.
/// </summary>
public static class Propagator
{
    /// <summary>Rows per chunk: 2,048 doubles = 16 KiB per column, so a chunk's columns stay in L2.</summary>
    public const int ChunkRows = 2048;

    /// <summary>
    /// Abducts the noise of every node: u = x - f(parents) for additive noise (a root's noise is its value).
    /// <paramref name="data"/> is node-indexed. Root columns are shared, not copied.
    /// </summary>
    public static double[][] Abduct(CausalModel model, IReadOnlyList<double[]> data, int maxParallelism = -1)
    {
        var g = model.Graph;
        var rows = data[0].Length;
        var noise = new double[g.Count][];
        var toCompute = new List<int>();
        for (var v = 0; v < g.Count; v++)
        {
            if (g.IsRoot(v) && model.Mechanisms[v] is null) noise[v] = data[v];
            else { noise[v] = NewColumn(rows); toCompute.Add(v); }
        }
        ForEachChunk(rows, maxParallelism, (start, length) =>
        {
            foreach (var v in toCompute)
            {
                model.AbductNoise(v, ParentSlices(g.Parents[v], data, start, length), data[v].AsSpan(start, length), noise[v].AsSpan(start, length));
            }
        });
        return noise;
    }

    /// <summary>
    /// Computes <paramref name="nodes"/> (in topological order) as x = f(parents) + u (or the mechanism's own
    /// <see cref="Mechanism.Apply(ReadOnlySpan{ReadOnlyMemory{double}}, ReadOnlySpan{double}, Span{double})"/>). Every parent of
    /// a listed node must either be listed earlier or already have a column in <paramref name="values"/>
    /// (a baseline or a forced value). Listed nodes in <paramref name="keep"/> (all when null) get fresh
    /// full-length arrays in <paramref name="values"/>; the others live only in per-chunk scratch
    /// buffers, which saves memory and bandwidth when only a few results are wanted.
    /// </summary>
    /// <param name="reuseOutputs">Write listed nodes that already have a column of <paramref name="rows"/> values into
    /// that column instead of a fresh one: repeated queries then allocate nothing.</param>
    /// <param name="baseline">
    /// The world <paramref name="values"/> departs from (its unlisted columns are the baseline's own arrays or
    /// forced replacements). A listed node whose mechanism splits into additive parts then moves from its
    /// baseline value by the change of the parts that read a moved parent, instead of evaluating every part:
    /// an outcome with 40 parents costs one part per pair, not 40. Same value up to rounding; the noise is
    /// already inside the baseline.
    /// </param>
    public static void Propagate(CausalModel model, IReadOnlyList<int> nodes, IReadOnlyList<double[]?> noise, double[]?[] values, int rows,
        int maxParallelism = -1, IReadOnlySet<int>? keep = null, bool reuseOutputs = false, IReadOnlyList<double[]?>? baseline = null)
    {
        var g = model.Graph;
        var moved = baseline is null ? null : MovedParts(model, nodes, values, baseline);
        var listed = new HashSet<int>();
        foreach (var v in nodes)
        {
            foreach (var p in g.Parents[v])
                if (!listed.Contains(p) && values[p] is null)
                    throw new ArgumentException($"parent '{g.Names[p]}' of '{g.Names[v]}' has no values and is not propagated before it");
            if (noise[v] is null) throw new ArgumentException($"node '{g.Names[v]}' has no noise");
            if (!listed.Add(v)) throw new ArgumentException($"node '{g.Names[v]}' is listed twice");
            var wanted = keep is null || keep.Contains(v);
            values[v] = !wanted ? null : reuseOutputs && values[v]?.Length == rows ? values[v] : NewColumn(rows);
        }
        var scratchNodes = nodes.Where(v => values[v] is null).ToArray();
        ForEachChunk(rows, maxParallelism, (start, length) =>
        {
            var local = new ReadOnlyMemory<double>[g.Count];
            // One rented block per chunk holds every scratch node: the pool's thread cache hands the same
            // block back on the next call, where renting a buffer per node would outrun the pool.
            var block = scratchNodes.Length == 0 ? null : System.Buffers.ArrayPool<double>.Shared.Rent(scratchNodes.Length * length);
            for (var k = 0; k < scratchNodes.Length; k++)
                local[scratchNodes[k]] = block.AsMemory(k * length, length);
            try
            {
                foreach (var v in nodes)
                {
                    var output = values[v] is { } full ? full.AsMemory(start, length) : MemoryMarshal.AsMemory(local[v]);
                    var parents = g.Parents[v];
                    var slices = new ReadOnlyMemory<double>[parents.Length];
                    for (var k = 0; k < parents.Length; k++)
                        slices[k] = local[parents[k]].IsEmpty && values[parents[k]] is { } column ? column.AsMemory(start, length) : local[parents[k]];
                    if (moved?[v] is { } parts)
                        MoveParts(parts, slices, ParentSlices(parents, baseline!, start, length), baseline![v]!.AsSpan(start, length), output.Span);
                    else model.ApplyMechanism(v, slices, noise[v]!.AsSpan(start, length), output.Span);
                    local[v] = output;
                }
            }
            finally
            {
                if (block is not null) System.Buffers.ArrayPool<double>.Shared.Return(block);
            }
        });
    }

    /// <summary>
    /// Per listed node: the additive parts of its mechanism that read a parent moved away from the baseline,
    /// when that is fewer than all of them (else null: evaluating f whole is cheaper).
    /// </summary>
    private static Mechanism[]?[] MovedParts(CausalModel model, IReadOnlyList<int> nodes, double[]?[] values, IReadOnlyList<double[]?> baseline)
    {
        var g = model.Graph;
        var listed = new HashSet<int>(nodes);
        var result = new Mechanism[]?[g.Count];
        foreach (var v in nodes)
        {
            var parts = model.Mechanisms[v]?.AdditiveParts ?? [];
            if (parts.Count < 2 || baseline[v] is null) continue;
            var parents = g.Parents[v];
            bool Moved(int k) => listed.Contains(parents[k]) || !ReferenceEquals(values[parents[k]], baseline[parents[k]]);
            var touched = parts.Where(p => p.Parents.Any(Moved)).Select(p => p.Part).ToArray();
            if (touched.Length < parts.Count) result[v] = touched;
        }
        return result;
    }

    /// <summary>output = baseline + Σ_parts (part(moved parents) − part(baseline parents)).</summary>
    private static void MoveParts(Mechanism[] parts, ReadOnlySpan<ReadOnlyMemory<double>> moved, ReadOnlySpan<ReadOnlyMemory<double>> before,
        ReadOnlySpan<double> baseline, Span<double> output)
    {
        var length = output.Length;
        var pool = System.Buffers.ArrayPool<double>.Shared;
        var now = pool.Rent(length);
        var then = pool.Rent(length);
        try
        {
            baseline.CopyTo(output);
            foreach (var part in parts)
            {
                part.Evaluate(moved, now.AsSpan(0, length));
                part.Evaluate(before, then.AsSpan(0, length));
                TensorPrimitives.Subtract(now.AsSpan(0, length), then.AsSpan(0, length), now.AsSpan(0, length));
                TensorPrimitives.Add(output, now.AsSpan(0, length), output);
            }
        }
        finally
        {
            pool.Return(now);
            pool.Return(then);
        }
    }

    /// <summary>
    /// A column every element of which the caller writes. Columns of 10k rows (80 KB) fall just under the
    /// large-object threshold, so as ordinary arrays a propagation's hundreds of them would be copied by
    /// every gen-0 collection that meets them; the pinned-object heap never moves them.
    /// </summary>
    public static double[] NewColumn(int rows) => GC.AllocateUninitializedArray<double>(rows, pinned: true);

    private static ReadOnlyMemory<double>[] ParentSlices(int[] parents, IReadOnlyList<double[]?> columns, int start, int length)
    {
        var slices = new ReadOnlyMemory<double>[parents.Length];
        for (var k = 0; k < parents.Length; k++) slices[k] = new ReadOnlyMemory<double>(columns[parents[k]], start, length);
        return slices;
    }

    /// <summary>
    /// Chunks per thread below which the work runs on the calling thread: on small tables the
    /// hand-off and the second core's cold caches cost more than they save (measured: 10k rows × 500
    /// nodes ran several times slower split over 2 threads than on one).
    /// </summary>
    public const int MinChunksPerThread = 4;

    /// <summary>Runs <paramref name="body"/>(start, length) over row chunks, in parallel when there are enough of them.</summary>
    public static void ForEachChunk(int rows, int maxParallelism, Action<int, int> body)
    {
        var chunks = (rows + ChunkRows - 1) / ChunkRows;
        var threads = Math.Min(maxParallelism <= 0 ? Environment.ProcessorCount : maxParallelism, chunks / MinChunksPerThread);
        if (threads <= 1)
        {
            for (var c = 0; c < chunks; c++) body(c * ChunkRows, Math.Min(ChunkRows, rows - c * ChunkRows));
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads },
            c => body(c * ChunkRows, Math.Min(ChunkRows, rows - c * ChunkRows)));
    }
}
