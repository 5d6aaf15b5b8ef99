using System.Text.Json.Nodes;

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

    /// <summary>The contract's JSON document for <c>mediate</c> (section 4), with a few extra fields.</summary>
    /// <exception cref="InputException">A figure is not a finite number: the model overflows on this data (JSON has no infinity).</exception>
    public JsonObject ToJson()
    {
        foreach (var p in Nie)
            if (!double.IsFinite(p.Mean) || !double.IsFinite(p.Total))
                throw new InputException($"the NIE of ({p.Treatment}, {p.Mediator}) is not a finite number ({p.Mean}): the model overflows on this data; check its weights and formulas");
        foreach (var e in Effects)
            if (!double.IsFinite(e.TeMean) || !double.IsFinite(e.TeTotal) || !double.IsFinite(e.NdeMean) || !double.IsFinite(e.NdeTotal))
                throw new InputException($"the effects of '{e.Treatment}' are not finite numbers (te {e.TeMean}, nde {e.NdeMean}): the model overflows on this data; check its weights and formulas");
        var nie = new JsonArray();
        foreach (var p in Nie)
        {
            var o = new JsonObject
            {
                ["treatment"] = p.Treatment, ["mediator"] = p.Mediator, ["mean"] = p.Mean, ["total"] = p.Total, ["method"] = p.Method,
            };
            if (p.MeanInterval is { } ci) o["mean_ci"] = new JsonArray(ci.Low, ci.High);
            nie.Add(o);
        }
        var effects = new JsonArray();
        foreach (var e in Effects)
        {
            var o = new JsonObject
            {
                ["treatment"] = e.Treatment, ["te_mean"] = e.TeMean, ["te_total"] = e.TeTotal,
                ["nde_mean"] = e.NdeMean, ["nde_total"] = e.NdeTotal,
            };
            if (e.TeInterval is { } te) o["te_mean_ci"] = new JsonArray(te.Low, te.High);
            if (e.NdeInterval is { } nde) o["nde_mean_ci"] = new JsonArray(nde.Low, nde.High);
            effects.Add(o);
        }
        var doc = new JsonObject
        {
            ["outcome"] = Outcome, ["rows"] = Rows, ["treated"] = Treated, ["untreated"] = Untreated,
            ["nie"] = nie, ["effects"] = effects,
        };
        if (BootstrapSamples > 0) doc["bootstrap"] = BootstrapSamples;
        return doc;
    }
}
