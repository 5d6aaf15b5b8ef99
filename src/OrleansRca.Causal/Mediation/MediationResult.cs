namespace OrleansRca.Causal.Mediation;

public sealed record Interval(double Low, double High);

/// <summary>NIE of one treatment-mediator pair: mean and total over rows (contract section 5).</summary>
public sealed record PairEffect(string Treatment, string Mediator, double Mean, double Total, string Method, Interval? MeanInterval = null);

/// <summary>Total and natural direct effect of one treatment.</summary>
public sealed record TreatmentEffect(string Treatment, double TeMean, double TeTotal, double NdeMean, double NdeTotal,
    Interval? TeInterval = null, Interval? NdeInterval = null);

public sealed record MediationResult(string Outcome, int Rows, string Treated, string Untreated,
    IReadOnlyList<PairEffect> Nie, IReadOnlyList<TreatmentEffect> Effects, int BootstrapSamples = 0)
{
    public PairEffect Pair(string treatment, string mediator) =>
        Nie.First(p => p.Treatment == treatment && p.Mediator == mediator);

    public TreatmentEffect Effect(string treatment) => Effects.First(e => e.Treatment == treatment);
}
