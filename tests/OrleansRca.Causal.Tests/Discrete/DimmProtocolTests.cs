namespace OrleansRca.Causal.Tests.Discrete;

/// <summary>The ALARM protocol run afresh: every (N_ivn, m, seed) cell is generated, sampled, solved and scored against its own truth.</summary>
public sealed class DimmProtocolTests
{
    [Fact]
    public void ProtocolScoresFreshMixturesAgainstTheirTruth()
    {
        var oracle = new ExactInference(DiscreteData.Load("alarm")).AllInterventional();
        var rows = DimmEvaluation.Protocol(oracle, [0, 9], [200_000], seeds: 2, repetitions: 1);
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Null(r.Reference));
        // No intervention: pi_phi = 1 recovered exactly; nine: small errors from sampling noise alone
        // (1/sqrt(m) ≈ 2e-3 per marginal; the estimator's MAE is an order below that).
        Assert.All(rows.Where(r => r.Interventions == 0), r => Assert.Equal(0, r.Ours.MaxError, 1e-12));
        Assert.All(rows.Where(r => r.Interventions == 9), r => Assert.InRange(r.Ours.Mae, 1e-7, 2e-3));
        // Truth differs by seed, so the rows are distinct instances.
        Assert.NotEqual(rows[2].Ours.Mae, rows[3].Ours.Mae);
    }

    [Fact]
    public void BadProtocolArgumentsAreNamed()
    {
        var oracle = new ExactInference(DiscreteData.Load("asia")).AllInterventional();
        Assert.Contains("seeds", Assert.Throws<InputException>(() => DimmEvaluation.Protocol(oracle, [1], [100], seeds: 0)).Message);
        Assert.Contains("sample sizes", Assert.Throws<InputException>(() => DimmEvaluation.Protocol(oracle, [1], [0], seeds: 1)).Message);
    }
}
