using OrleansRca.Causal.Mediation;

namespace OrleansRca.Wire.Results;

/// <summary>The <c>mediate</c> result document (contract section 4); one writer for the CLI and HTTP.</summary>
public static class MediationJson
{
    /// <summary>The contract's JSON document for <c>mediate</c> (section 4), with a few extra fields.</summary>
    /// <exception cref="InputException">A figure is not a finite number: the model overflows on this data (JSON has no infinity).</exception>
    public static JsonObject ToJson(this MediationResult result)
    {
        foreach (var p in result.Nie)
            if (!double.IsFinite(p.Mean) || !double.IsFinite(p.Total))
                throw new InputException($"the NIE of ({p.Treatment}, {p.Mediator}) is not a finite number ({p.Mean}): the model overflows on this data; check its weights and formulas");
        foreach (var e in result.Effects)
            if (!double.IsFinite(e.TeMean) || !double.IsFinite(e.TeTotal) || !double.IsFinite(e.NdeMean) || !double.IsFinite(e.NdeTotal))
                throw new InputException($"the effects of '{e.Treatment}' are not finite numbers (te {e.TeMean}, nde {e.NdeMean}): the model overflows on this data; check its weights and formulas");
        var nie = new JsonArray();
        foreach (var p in result.Nie)
        {
            var o = new JsonObject
            {
                ["treatment"] = p.Treatment, ["mediator"] = p.Mediator, ["mean"] = p.Mean, ["total"] = p.Total, ["method"] = p.Method,
            };
            if (p.MeanInterval is { } ci) o["mean_ci"] = new JsonArray(ci.Low, ci.High);
            nie.Add(o);
        }
        var effects = new JsonArray();
        foreach (var e in result.Effects)
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
            ["outcome"] = result.Outcome, ["rows"] = result.Rows, ["treated"] = result.Treated, ["untreated"] = result.Untreated,
            ["nie"] = nie, ["effects"] = effects,
        };
        if (result.BootstrapSamples > 0) doc["bootstrap"] = result.BootstrapSamples;
        return doc;
    }
}
