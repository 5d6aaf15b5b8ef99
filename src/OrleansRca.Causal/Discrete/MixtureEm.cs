namespace OrleansRca.Causal.Discrete;

/// <summary>Settings of <see cref="MixtureEm.Fit"/>.</summary>
public sealed record EmOptions
{
    /// <summary>The defaults.</summary>
    public static EmOptions Default { get; } = new();

    /// <summary>Most EM iterations (E-step + M-step pairs).</summary>
    public int MaxIterations { get; init; } = 2000;

    /// <summary>
    /// Stop when one iteration raises the mean log-likelihood per row by less than this (nats per row).
    /// </summary>
    public double Tolerance { get; init; } = 1e-9;

    /// <summary>
    /// Optional known left-out state per node (assumption 1 with the sets C_i of the paper known): the
    /// component do(X_i = LeftOut[i]) is excluded (its proportion stays 0). Null: every do(X_i = a) is a component.
    /// </summary>
    public int[]? LeftOut { get; init; }

    /// <summary>
    /// Without <see cref="LeftOut"/>: resolve the likelihood's flat directions at root-like nodes by assumption 1
    /// (see <see cref="MixtureEm"/>). Has no effect on the likelihood.
    /// </summary>
    public bool ResolveRoots { get; init; } = true;

    /// <summary>
    /// Accelerate with SQUAREM (Varadhan and Roland 2008) between plain EM steps, keeping an extrapolated point
    /// only when it does not lower the log-likelihood. False: plain EM, as in the paper.
    /// </summary>
    public bool Accelerate { get; init; } = true;
}

/// <summary>The maximum-likelihood proportions found by <see cref="MixtureEm.Fit"/>.</summary>
/// <param name="PiPhi">Weight of the unintervened network.</param>
/// <param name="Pi">Weight of each do(X_i = a) in the network-wide state numbering (as <see cref="MixtureSolution.Pi"/>).</param>
/// <param name="LogLikelihoods">
/// Log-likelihood of all rows (natural log) at the start (uniform proportions, index 0) and at each accepted
/// iterate (every EM step, plus accepted SQUAREM points); non-decreasing. The last entry belongs to the returned
/// proportions (the root resolution leaves it unchanged). Without acceleration it has
/// <see cref="Iterations"/> + 1 entries.
/// </param>
/// <param name="Iterations">E-step + M-step passes run after the first (including those at SQUAREM points).</param>
/// <param name="Converged">Whether the tolerance was met within <see cref="EmOptions.MaxIterations"/>.</param>
/// <param name="DistinctRows">Number of distinct rows (the E-step works on distinct rows with their counts).</param>
public sealed record EmResult(double PiPhi, double[] Pi, IReadOnlyList<double> LogLikelihoods, int Iterations, bool Converged, int DistinctRows);

/// <summary>
/// The EM baseline of Sinha et al. 2020 (appendix D): maximum-likelihood mixing proportions from joint samples of
/// the mixture (which DIMM does not need: it uses aggregate marginals only). The network's CPTs are known; only
/// the proportions are fitted.
/// </summary>
/// <remarks>
/// <para>
/// Components: no intervention (P_phi = P) and every do(X_i = a). By the truncated factorization
/// P_{i,a}(x) = P(x) / P(x_i | pa_i(x)) when x_i = a and 0 otherwise, so for a row x only n + 1 components are
/// non-zero and, with P(x) factored out, the mixture likelihood is
/// P(x) (pi_phi + sum_i pi_{i,x_i} / P(x_i | pa_i(x))). The E-step (responsibilities
/// gamma = pi_c P_c(x) / sum) and the M-step (mean responsibility, weighted by how often a row occurs) follow
/// appendix D. A row with one zero factor P(x_j | pa_j(x)) = 0 can only come from do(X_j = x_j) (responsibility 1);
/// a row with two or more zero factors has probability 0 under every component and is rejected.
/// CPT rows are renormalised, as in <see cref="MixtureGenerator.Sample"/>.
/// </para>
/// <para>
/// Deviations from the paper, and why:
/// (1) One start, uniform over the components, instead of the best of 50 runs (footnote 9): with the components
/// fixed, the log-likelihood is concave in the proportions, so every maximiser has the same likelihood and
/// restarts cannot find a better one.
/// (2) Appendix D does not say how assumption 1 enters. Without known sets C_i (<see cref="EmOptions.LeftOut"/>),
/// the likelihood is flat along one direction per root node R (more generally per node whose CPT rows are all
/// equal, distribution q): P = sum_a q_a P_{R,a} exactly, so mass can move between pi_phi and the pi_{R,a} in the
/// ratio q without changing any row's probability. Like theorem 1, we take the point of that segment where one
/// state's pi_{R,a} reaches 0 (assumption 1): t = min_a pi_{R,a} / q_a is moved back to pi_phi
/// (<see cref="EmOptions.ResolveRoots"/>). With <see cref="EmOptions.LeftOut"/> given, the left-out components are
/// excluded instead, as the paper's sets C_i.
/// (3) Convergence: stop when a plain EM step gains less than <see cref="EmOptions.Tolerance"/> nats per row.
/// (4) Speed: plain EM needs thousands of iterations here (proportions that are truly 0 decay slowly), so by
/// default SQUAREM extrapolation is interleaved (<see cref="EmOptions.Accelerate"/>); it changes the path, not
/// the maximiser, and keeps the log-likelihood monotone.
/// </para>
/// </remarks>
public static class MixtureEm
{
    /// <summary>
    /// Joint rows from the mixture: each row picks a component, then samples the network under that intervention
    /// (ancestral sampling, CPT rows renormalised). Row r, entry j is the state index of node j. Uses the random
    /// stream exactly as <see cref="MixtureGenerator.Sample"/> does, so the rows' state frequencies equal
    /// <c>MixtureGenerator.Sample(network, piPhi, pi, rows, seed)</c> bit for bit.
    /// </summary>
    public static int[][] SampleRows(BayesianNetwork network, double piPhi, ReadOnlySpan<double> pi, int rows, int seed)
    {
        var result = new List<int[]>(rows);
        MixtureGenerator.ForEachRow(network, piPhi, pi, rows, seed, state => result.Add((int[])state.Clone()));
        return [.. result];
    }

    /// <summary>
    /// The mixture's probability of one row, pi_phi P(x) + sum_{i,a} pi_{i,a} P_{i,a}(x), computed as the EM does
    /// (truncated factorization with P(x) factored out; CPT rows renormalised).
    /// </summary>
    /// <exception cref="InputException">The row has the wrong width or a state index out of range.</exception>
    public static double Likelihood(BayesianNetwork network, IReadOnlyList<int> row, double piPhi, ReadOnlySpan<double> pi)
    {
        if (pi.Length != network.StateCount)
            throw new ArgumentException($"{pi.Length} proportions, expected {network.StateCount}", nameof(pi));
        Validate(network, row, 0);
        var factors = new double[network.Count];
        var logBase = Factors(network, row, factors, out var zeroAt, out var zeros);
        if (zeros >= 2) return 0;
        var s = 0.0;
        if (zeros == 1)
            s = pi[network.Variables[zeroAt].StateOffset + row[zeroAt]];
        else
        {
            s = piPhi;
            for (var i = 0; i < network.Count; i++) s += pi[network.Variables[i].StateOffset + row[i]] / factors[i];
        }
        return Math.Exp(logBase) * s;
    }

    /// <summary>
    /// Fits the mixing proportions to joint rows by EM (appendix D), starting from uniform proportions over the
    /// components. See <see cref="MixtureEm"/> for the model and the handling of assumption 1.
    /// </summary>
    /// <param name="network">The network whose interventions are mixed.</param>
    /// <param name="rows">One state index per node per row (the layout of <see cref="SampleRows"/>).</param>
    /// <param name="options">Iterations, tolerance and assumption 1; <see cref="EmOptions.Default"/> when null.</param>
    /// <exception cref="InputException">
    /// No rows, a row of the wrong width, a state index out of range, a row impossible under every component, or
    /// invalid options; the message names the (1-based) row.
    /// </exception>
    public static EmResult Fit(BayesianNetwork network, IReadOnlyList<int[]> rows, EmOptions? options = null)
    {
        options ??= EmOptions.Default;
        if (options.MaxIterations < 0) throw new InputException($"EM: MaxIterations must not be negative, not {options.MaxIterations}");
        if (!(options.Tolerance >= 0)) throw new InputException($"EM: Tolerance must be a non-negative number, not {options.Tolerance}");
        if (rows.Count == 0) throw new InputException("EM: no rows");
        var n = network.Count;
        var vars = network.Variables;
        var included = new bool[network.StateCount];
        Array.Fill(included, true);
        if (options.LeftOut is { } leftOut)
        {
            if (leftOut.Length != n)
                throw new InputException($"EM: LeftOut has {leftOut.Length} entries, expected one per node ({n})");
            for (var i = 0; i < n; i++)
            {
                if ((uint)leftOut[i] >= (uint)vars[i].Cardinality)
                    throw new InputException($"EM: LeftOut state {leftOut[i]} of node '{vars[i].Name}' is out of range [0, {vars[i].Cardinality})");
                included[vars[i].StateOffset + leftOut[i]] = false;
            }
        }

        // Distinct rows with their counts (validation first, naming the row).
        var distinct = new Dictionary<int[], int>(RowComparer.Instance);
        var firstSeen = new List<int>();
        var uniques = new List<int[]>();
        var counts = new List<double>();
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            Validate(network, row, r);
            if (distinct.TryGetValue(row, out var u)) counts[u]++;
            else
            {
                distinct[row] = counts.Count;
                uniques.Add(row);
                firstSeen.Add(r);
                counts.Add(1);
            }
        }
        var d = counts.Count;
        var m = (double)rows.Count;

        // Per distinct row: phi flag and the non-zero components (global state, likelihood ratio P_c(x) / P(x)).
        var start = new int[d + 1];
        var global = new List<int>(d * n);
        var ratio = new List<double>(d * n);
        var phiFlag = new double[d];
        var constant = 0.0; // sum of count * log P(x) without the zero factors: does not depend on the proportions
        var factors = new double[n];
        for (var u = 0; u < d; u++)
        {
            var row = uniques[u];
            var logBase = Factors(network, row, factors, out var zeroAt, out var zeros);
            var label = firstSeen[u] + 1;
            if (zeros >= 2)
            {
                var names = Enumerable.Range(0, n).Where(i => factors[i] == 0).Select(i => $"'{vars[i].Name}'");
                throw new InputException(
                    $"EM: row {label} has probability 0 under every component (nodes {string.Join(", ", names)} take states their parents rule out)");
            }
            constant += counts[u] * logBase;
            if (zeros == 1)
            {
                var g = vars[zeroAt].StateOffset + row[zeroAt];
                if (!included[g])
                    throw new InputException(
                        $"EM: row {label} has probability 0 under every component (node '{vars[zeroAt].Name}' takes a state its parents rule out, and its do() is excluded)");
                phiFlag[u] = 0;
                global.Add(g);
                ratio.Add(1);
                start[u + 1] = 1;
                continue;
            }
            phiFlag[u] = 1;
            var added = 0;
            for (var i = 0; i < n; i++)
            {
                var g = vars[i].StateOffset + row[i];
                if (!included[g]) continue;
                global.Add(g);
                ratio.Add(1 / factors[i]);
                added++;
            }
            start[u + 1] = added;
        }
        for (var u = 0; u < d; u++) start[u + 1] += start[u];
        var gIdx = global.ToArray();
        var w = ratio.ToArray();
        var cnt = counts.ToArray();

        // Uniform start over the components. theta[g] = pi_g for g < StateCount, theta[StateCount] = pi_phi.
        var k = network.StateCount;
        var componentCount = 1 + included.Count(x => x);
        var theta0 = new double[k + 1];
        for (var g = 0; g < k; g++) theta0[g] = included[g] ? 1.0 / componentCount : 0;
        theta0[k] = 1.0 / componentCount;

        var iterations = 0;
        // One E-step + M-step: returns the log-likelihood at theta and writes EM(theta) into next.
        double Pass(double[] theta, double[] next)
        {
            iterations++;
            Array.Clear(next);
            var accPhi = 0.0;
            var ll = constant;
            var piPhi = theta[k];
            for (var u = 0; u < d; u++)
            {
                var s = piPhi * phiFlag[u];
                var lo = start[u];
                var hi = start[u + 1];
                for (var e = lo; e < hi; e++) s += theta[gIdx[e]] * w[e];
                ll += cnt[u] * Math.Log(s);
                var f = cnt[u] / s;
                accPhi += phiFlag[u] * f;
                for (var e = lo; e < hi; e++) next[gIdx[e]] += w[e] * f;
            }
            // M-step: pi_c <- mean responsibility = pi_c * (sum_x count * P_c(x) / P_mix(x)) / m.
            next[k] = accPhi;
            var total = 0.0;
            for (var g = 0; g <= k; g++) total += next[g] *= theta[g] / m;
            for (var g = 0; g <= k; g++) next[g] /= total;
            return ll;
        }

        var lls = new List<double>();
        var converged = false;
        var theta1 = new double[k + 1];
        var theta2 = new double[k + 1];
        var thetaX = new double[k + 1];
        var thetaXNext = new double[k + 1];
        var budget = options.MaxIterations;
        var ll0 = Pass(theta0, theta1);
        lls.Add(ll0);
        iterations = 0;
        while (iterations < budget)
        {
            // theta1 = EM(theta0) is known; its log-likelihood comes with theta2 = EM(theta1).
            var ll1 = Pass(theta1, theta2);
            lls.Add(ll1);
            var gain = ll1 - ll0;
            (theta0, theta1, theta2) = (theta1, theta2, theta0);
            ll0 = ll1;
            if (gain < options.Tolerance * m)
            {
                converged = true;
                break;
            }
            if (!options.Accelerate || iterations >= budget) continue;

            // SQUAREM (Varadhan and Roland 2008): extrapolate along the last two EM steps; keep it only if the
            // log-likelihood does not drop, so the recorded sequence is non-decreasing. Now theta2 holds the old
            // theta0 (call it p), theta0 = EM(p), theta1 = EM(EM(p)).
            double rr = 0, vv = 0;
            for (var g = 0; g <= k; g++)
            {
                var r = theta0[g] - theta2[g];
                var v = theta1[g] - 2 * theta0[g] + theta2[g];
                rr += r * r;
                vv += v * v;
            }
            if (!(vv > 0)) continue;
            var alpha = Math.Min(-Math.Sqrt(rr / vv), -1);
            bool positive;
            do
            {
                positive = true;
                var sum = 0.0;
                for (var g = 0; g <= k; g++)
                {
                    var r = theta0[g] - theta2[g];
                    var v = theta1[g] - 2 * theta0[g] + theta2[g];
                    thetaX[g] = theta1[g] == 0 ? 0 : theta2[g] - 2 * alpha * r + alpha * alpha * v;
                    if (theta1[g] > 0 && !(thetaX[g] > 0)) positive = false;
                    sum += thetaX[g];
                }
                if (positive)
                    for (var g = 0; g <= k; g++) thetaX[g] /= sum;
                else alpha = (alpha - 1) / 2;
            } while (!positive && alpha < -1 - 1e-3);
            if (!positive) continue;
            var llX = Pass(thetaX, thetaXNext);
            if (llX >= ll0)
            {
                lls.Add(llX);
                ll0 = llX;
                (theta0, thetaX) = (thetaX, theta0);
                (theta1, thetaXNext) = (thetaXNext, theta1);
            }
        }

        var pi = theta0[..k];
        var piPhiResult = theta0[k];
        if (options.LeftOut is null && options.ResolveRoots)
            piPhiResult = ResolveRootRidges(network, pi, piPhiResult);
        return new EmResult(piPhiResult, pi, lls, iterations, converged, d);
    }

    /// <summary>
    /// Assumption 1 on the likelihood's flat directions: for every node whose CPT rows are all equal (q), moves
    /// t = min_a pi_{i,a} / q_a (over q_a &gt; 0) from the pi_{i,a} back to pi_phi. Returns the new pi_phi.
    /// </summary>
    private static double ResolveRootRidges(BayesianNetwork network, double[] pi, double piPhi)
    {
        foreach (var v in network.Variables)
        {
            var k = v.Cardinality;
            var cpt = v.RawCpt;
            var q = cpt.AsSpan(0, k).ToArray();
            var sum = q.Sum();
            for (var a = 0; a < k; a++) q[a] /= sum;
            var equalRows = true;
            for (var r = 1; r < cpt.Length / k && equalRows; r++)
            {
                var rs = 0.0;
                for (var a = 0; a < k; a++) rs += cpt[r * k + a];
                for (var a = 0; a < k; a++)
                    if (Math.Abs(cpt[r * k + a] / rs - q[a]) > 1e-12) { equalRows = false; break; }
            }
            if (!equalRows) continue;
            var t = double.PositiveInfinity;
            for (var a = 0; a < k; a++)
                if (q[a] > 0) t = Math.Min(t, pi[v.StateOffset + a] / q[a]);
            if (!(t > 0) || double.IsInfinity(t)) continue;
            for (var a = 0; a < k; a++)
                if (q[a] > 0) pi[v.StateOffset + a] = Math.Max(0, pi[v.StateOffset + a] - t * q[a]);
            piPhi += t;
        }
        return piPhi;
    }

    /// <summary>Renormalised P(x_i | pa_i(x)) per node; returns the sum of the logs of the non-zero ones.</summary>
    private static double Factors(BayesianNetwork network, IReadOnlyList<int> row, double[] factors, out int zeroAt, out int zeros)
    {
        zeroAt = -1;
        zeros = 0;
        var logBase = 0.0;
        var vars = network.Variables;
        for (var i = 0; i < factors.Length; i++)
        {
            var v = vars[i];
            var r = 0;
            foreach (var p in v.ParentIndices) r = r * vars[p].Cardinality + row[p];
            var cpt = v.RawCpt.AsSpan(r * v.Cardinality, v.Cardinality);
            var total = 0.0;
            foreach (var p in cpt) total += p;
            var f = factors[i] = total > 0 ? cpt[row[i]] / total : 0;
            if (f > 0) logBase += Math.Log(f);
            else
            {
                zeros++;
                zeroAt = i;
            }
        }
        return logBase;
    }

    private static void Validate(BayesianNetwork network, IReadOnlyList<int>? row, int index)
    {
        if (row is null)
            throw new InputException($"EM: row {index + 1} is missing");
        if (row.Count != network.Count)
            throw new InputException($"EM: row {index + 1} has {row.Count} values, expected one state index per node ({network.Count})");
        for (var i = 0; i < row.Count; i++)
        {
            var v = network.Variables[i];
            if ((uint)row[i] >= (uint)v.Cardinality)
                throw new InputException(
                    $"EM: row {index + 1}, node '{v.Name}': state index {row[i]} is out of range [0, {v.Cardinality})");
        }
    }

    private sealed class RowComparer : IEqualityComparer<int[]>
    {
        public static readonly RowComparer Instance = new();

        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] row)
        {
            var h = new HashCode();
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
            return h.ToHashCode();
        }
    }
}
