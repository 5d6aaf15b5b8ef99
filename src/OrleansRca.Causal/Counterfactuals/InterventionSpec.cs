using System.Text.RegularExpressions;

namespace OrleansRca.Causal.Counterfactuals;

public enum InterventionKind { Observed, Relative, Additive, Absolute }

/// <summary>
/// A treated or untreated value relative to each row's observed value (contract section 4):
/// <c>+50%</c> / <c>-20%</c> (x·1.5 / x·0.8), <c>+2.5</c> / <c>-1</c> (shift), <c>=1</c> (absolute), <c>observed</c>.
/// </summary>
public sealed partial record InterventionSpec(InterventionKind Kind, double Amount)
{
    public static readonly InterventionSpec Observed = new(InterventionKind.Observed, 0);

    [GeneratedRegex(@"^(?<sign>[+-])(?<num>(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)(?<pct>%)?$")]
    private static partial Regex ShiftPattern();

    [GeneratedRegex(@"^=(?<num>[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$")]
    private static partial Regex AbsolutePattern();

    public static InterventionSpec Parse(string text, string option = "spec")
    {
        var t = text.Trim();
        if (t.Equals("observed", StringComparison.OrdinalIgnoreCase)) return Observed;
        var shift = ShiftPattern().Match(t);
        if (shift.Success)
        {
            var amount = double.Parse(shift.Groups["num"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (shift.Groups["sign"].Value == "-") amount = -amount;
            if (double.IsFinite(amount))
                return shift.Groups["pct"].Success ? new(InterventionKind.Relative, amount / 100) : new(InterventionKind.Additive, amount);
        }
        var absolute = AbsolutePattern().Match(t);
        if (absolute.Success)
        {
            var value = double.Parse(absolute.Groups["num"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (double.IsFinite(value)) return new(InterventionKind.Absolute, value);
        }
        throw new InputException($"{option} '{text}' is not a valid value spec; use +50% or -20% (relative), +2.5 or -1 (shift), =1 (absolute) or observed");
    }

    public double Apply(double observed) => Kind switch
    {
        InterventionKind.Observed => observed,
        InterventionKind.Relative => observed * (1 + Amount),
        InterventionKind.Additive => observed + Amount,
        _ => Amount,
    };

    public double[] Apply(double[] observed)
    {
        if (Kind == InterventionKind.Observed) return observed;
        var result = new double[observed.Length];
        for (var i = 0; i < result.Length; i++) result[i] = Apply(observed[i]);
        return result;
    }

    public override string ToString() => Kind switch
    {
        InterventionKind.Observed => "observed",
        InterventionKind.Relative => (Amount >= 0 ? "+" : "-") + (Math.Abs(Amount) * 100).ToString("R", CultureInfo.InvariantCulture) + "%",
        InterventionKind.Additive => (Amount >= 0 ? "+" : "-") + Math.Abs(Amount).ToString("R", CultureInfo.InvariantCulture),
        _ => "=" + Amount.ToString("R", CultureInfo.InvariantCulture),
    };
}
