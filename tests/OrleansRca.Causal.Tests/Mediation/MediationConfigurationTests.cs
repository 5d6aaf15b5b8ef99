namespace OrleansRca.Causal.Tests.Mediation;

/// <summary>
/// Every DAG configuration of the paper's eq. 3 for 2 treatments and 2 mediators (2^9 = 512):
/// general propagator, closed-form fast path and the brute-force reference agree.
/// </summary>
public sealed class MediationConfigurationTests
{
    private static readonly string[] T = ["T1", "T2"];
    private static readonly string[] M = ["M1", "M2"];

    // The 9 optional edges of eq. 3: T_i -> M_j (4), T_i -> O (2), M1 -> M2 (1), M_j -> O (2).
    private static readonly (string, string)[] OptionalEdges =
        [("T1", "M1"), ("T1", "M2"), ("T2", "M1"), ("T2", "M2"), ("T1", "O"), ("T2", "O"), ("M1", "M2"), ("M1", "O"), ("M2", "O")];

    private static ReferenceScm Configuration(int mask, Random random, bool linear)
    {
        var scm = new ReferenceScm();
        foreach (var t in T) scm.Node(t, "treatment");
        foreach (var m in M) scm.Node(m, "mediator");
        scm.Node("O", "outcome");
        for (var b = 0; b < OptionalEdges.Length; b++)
            if ((mask >> b & 1) == 1) scm.Edge(OptionalEdges[b].Item1, OptionalEdges[b].Item2);
        foreach (var n in scm.Names.Where(n => scm.Parents[n].Count > 0))
            if (linear) scm.RandomLinear(random, n); else scm.RandomNonlinear(random, n);
        return scm;
    }

    public static TheoryData<bool> Kinds => new() { true, false };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void All512ConfigurationsAgreeWithBruteForce(bool linear)
    {
        var treated = new InterventionSpec(InterventionKind.Relative, 0.5);
        var failures = new List<string>();
        for (var mask = 0; mask < 512; mask++)
        {
            var random = new Random(mask * 2 + (linear ? 0 : 1));
            var scm = Configuration(mask, random, linear);
            var rows = scm.Sample(random, 40, (n, r) => (n.StartsWith('T') ? 1.0 : 0.0) + Normal(r) * 0.5);
            var model = ModelFile.FromJson(scm.ToModelJson());
            var data = CsvData.ParseFor(model, scm.ToCsv(rows));
            var reference = scm.Mediation(rows, T, M, "O", x => x * 1.5, x => x);

            foreach (var engine in linear ? new[] { EffectEngine.General, EffectEngine.Linear, EffectEngine.Auto } : [EffectEngine.General, EffectEngine.Auto])
            {
                var result = MediationEngine.Run(model, data, new MediationOptions { Treated = treated, Engine = engine, MaxParallelism = 1 });
                foreach (var t in T)
                {
                    foreach (var m in M)
                        Expect(failures, $"mask {mask} {engine} NIE({t},{m})", result.Pair(t, m).Mean, reference.Nie[(t, m)]);
                    Expect(failures, $"mask {mask} {engine} TE({t})", result.Effect(t).TeMean, reference.Te[t]);
                    Expect(failures, $"mask {mask} {engine} NDE({t})", result.Effect(t).NdeMean, reference.Nde[t]);
                }
                if (!linear)
                    Assert.All(result.Nie.Where(p => p.Mean != 0), p => Assert.Equal("general", p.Method));
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} disagreements, first: {string.Join("; ", failures.Take(5))}");
    }

    /// <summary>1e-9 relative, with an absolute floor of 1e-9 for values near zero.</summary>
    internal static void Expect(List<string> failures, string what, double actual, double expected)
    {
        if (!(Math.Abs(actual - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected))))
            failures.Add($"{what}: {actual:R} vs {expected:R}");
    }

    internal static double Normal(Random r) =>
        Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
