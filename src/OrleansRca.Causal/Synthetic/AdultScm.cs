using MathNet.Numerics.Distributions;

namespace OrleansRca.Causal.Synthetic;

/// <summary>
/// VACA's semi-synthetic Adult census SCM as RootCLAM uses it (<c>shared/spec/rootclam-datasets.md</c>;
/// equations from VACA's <c>datasets/adult.py</c>, linear variant). Categorical nodes are integer codes
/// (race 0-2, native_country 0-3, work_class 0-3, marital 0-2, occupation 0-2, relationship 0-2), not
/// one-hot columns. Candidates: age, education, hours. The ground-truth label is income. As RootCLAM's
/// <c>split_dataset</c> draws them, normal rows are kept when their income is at or below the median income of
/// unfiltered normal rows, anomalies when theirs is above its 0.9 quantile (<see cref="IncomeCuts"/>); a mitigated
/// row is normal again at or below that median.
/// <para>Where the Python source is ambiguous the behaviour of the Python code is reproduced, not the comment:</para>
/// <list type="bullet">
/// <item>Its <c>&amp;</c> binds more loosely than <c>+</c>: in marital the age term is always 0; in income the age
/// term is 3000 &amp; 8000 = 2816 when age &gt;= 30 (else 0) and the education term 10000 &amp; 30000 = 9488 when
/// education &gt;= 10 (else 0).</item>
/// <item>Values pass between equations as float32, so marital's <c>3 * int(sigmoid(hours - 30))</c> is 3 (clipped
/// to 2) exactly when the single-precision sigmoid rounds to 1; computed here in single precision too.</item>
/// <item><c>astype(int)</c> truncates toward zero; <c>stats.mode</c> takes the smallest of tied values.</item>
/// <item>Income keeps VACA's Gamma(1, 1) noise (RootCLAM's copy drops it); it is under 1e-3 of any income step
/// and only breaks ties at the median.</item>
/// </list>
/// Assumed, since neither the spec nor the source says otherwise: Gamma(shape, scale), Normal(mean, variance),
/// Bernoulli(p) of gender = 1; anomaly shifts replace the noise distribution (age Gamma(13, 10), education
/// Gamma(11, 1), hours N(40, 1)).
/// </summary>
public sealed class AdultScm : RootClamScm
{
    public const int Race = 0, Age = 1, Native = 2, Gender = 3, Education = 4, Hours = 5,
        WorkClass = 6, Marital = 7, Occupation = 8, Relationship = 9, Income = 10;

    public AdultScm() : base(
        ["race", "age", "native_country", "gender", "education", "hours", "work_class", "marital", "occupation", "relationship", "income"],
        Edges(), ["age", "education", "hours"])
    { }

    private static IEnumerable<(string, string)> Edges()
    {
        var children = new Dictionary<string, string[]>
        {
            ["race"] = ["education", "hours", "marital", "occupation", "income"],
            ["age"] = ["income", "occupation", "marital", "work_class", "education", "hours", "relationship"],
            ["native_country"] = ["education", "hours", "marital", "relationship", "income", "work_class"],
            ["gender"] = ["education", "hours", "marital", "occupation", "relationship", "income"],
            ["education"] = ["income", "occupation", "work_class", "hours", "relationship"],
            ["hours"] = ["work_class", "marital", "income"],
            ["work_class"] = ["occupation", "income", "marital"],
            ["marital"] = ["occupation", "income", "relationship"],
            ["occupation"] = ["income"],
            ["relationship"] = ["income"],
        };
        return children.SelectMany(kv => kv.Value.Select(c => (kv.Key, c)));
    }

    public override string Name => "adult";

    private static readonly double[] EduNative = [0, 2, 5, 1], HoursRace = [0.5, 1, 1.3], HoursNative = [40, 36, 50, 30],
        WorkNative = [-1, 0, 1, 2], MaritalWork = [1, 1, 0, 2], MaritalNative = [0, 1, 1, 2];

    public override double Mechanism(int node, ReadOnlySpan<double> x, double u)
    {
        switch (node)
        {
            case Race or Native or Gender: return u;
            case Age: return u + 17;
            case Education:
                {
                    var r = x[Race] == 0 ? 2 : x[Race] == 1 ? 1 : 0;
                    var g = x[Gender] == 0 ? 0.5 : 1.0;
                    return Math.Exp(r + Sigmoid(x[Age] - 30)) + g * EduNative[(int)x[Native]] + u;
                }
            case Hours:
                {
                    var e = 5 * Math.Abs(Math.Tanh(x[Education] - 2));
                    var a = 2 * Math.Exp(-(x[Age] - 30) * (x[Age] - 30));
                    var g = x[Gender] == 0 ? 2 : 0;
                    var outside = HoursNative[(int)x[Native]] * HoursRace[(int)x[Race]] + a + e + g;
                    return x[Age] < 70 ? outside + u : 0;
                }
            case WorkClass:
                {
                    var a = x[Age] + 1.5 * u;
                    var e = 5 * Math.Abs(Math.Tanh(x[Education] - 2));
                    var h = Sigmoid(x[Hours] - 30 + u);
                    var o = (e + h > 0.3 ? 1 : 0) + (h > 0.3 && a > 50 ? 1 : 0) + WorkNative[(int)x[Native]];
                    return Math.Clamp(o, 0, 3);
                }
            case Marital:
                {
                    var rc = Math.Clamp(Math.Truncate(x[Race] + 0.2 * u), 0, 2);
                    var r = rc == 1 ? 2 : rc == 2 ? 1 : 0;
                    var s = 1f / (1f + MathF.Exp(-(float)(x[Hours] - 30)));
                    var h = s >= 1f ? 2 : 0;
                    var gc = Math.Clamp(Math.Truncate(x[Gender] + 0.5 * u), 0, 1);
                    var g = gc == 0 ? 1 : 2;
                    Span<int> votes = [r, 0, (int)MaritalWork[(int)x[WorkClass]], h, (int)MaritalNative[(int)x[Native]], g];
                    return Mode(votes);
                }
            case Occupation:
                {
                    var comb = x[Race] + 2 * Math.Exp(-(x[Age] + u - 20) * (x[Age] + u - 20)) - Sigmoid(x[Education] * u - 30)
                        + x[WorkClass] + 3 * x[Marital] + 4 * x[Gender];
                    return comb < 1 ? 0 : comb <= 4 ? 1 : 2;
                }
            case Relationship:
                {
                    var n = (int)x[Native];
                    var comb = (n == 0 ? u : n == 1 ? -u : n == 2 ? 2 * u : 2) + Sigmoid(x[Education] - 30)
                        + (x[Age] < 20 ? 2 : 0) - (x[Gender] == 0 ? 2 : 0);
                    return x[Marital] == 1 ? (comb < -1 ? 0 : 1) : (comb >= -1 ? 2 : 1);
                }
            case Income:
                {
                    var o = occupation(x[Occupation]) + workClass(x[WorkClass]) + marital(x[Marital]);
                    return u + (x[Race] == 2 ? 10000 : 20000) + (x[Age] >= 30 ? 3000 & 8000 : 0) + (x[Education] >= 10 ? 10000 & 30000 : 0)
                        + o + (x[Hours] > 45 ? 15000 : 0) + (x[Native] > 2 ? 10000 : 0) + (x[Gender] == 1 ? 4000 : 0)
                        + (x[Relationship] < 2 ? 3000 : 0);
                    static double occupation(double c) => c == 1 ? 5000 : c == 2 ? 15000 : 0;
                    static double workClass(double c) => c == 0 ? 5000 : c == 1 ? 7000 : 0;
                    static double marital(double c) => c == 0 ? 1000 : c == 1 ? 4000 : -2000;
                }
            default: throw new ArgumentOutOfRangeException(nameof(node));
        }
    }

    /// <summary>The most frequent value, the smallest among ties (scipy's <c>stats.mode</c>).</summary>
    private static int Mode(ReadOnlySpan<int> values)
    {
        int best = 0, bestCount = -1;
        for (var c = 0; c <= 3; c++)
        {
            var count = 0;
            foreach (var v in values) if (v == c) count++;
            if (count > bestCount) { best = c; bestCount = count; }
        }
        return best;
    }

    /// <summary>Exact for the additive nodes (age, education, hours below age 70, income); the categorical nodes' threshold rules do not determine their noise.</summary>
    public override bool TryAbduct(int node, ReadOnlySpan<double> x, out double u)
    {
        u = double.NaN;
        if (node is Race or Native or Gender) u = x[node];
        else if (node is Age or Education or Income || node == Hours && x[Age] < 70) u = x[node] - Mechanism(node, x, 0);
        return double.IsFinite(u);
    }

    protected override double SampleNoise(int node, System.Random random, bool shifted) => node switch
    {
        Race => Categorical.Sample(random, [0.85, 0.1, 0.05]),
        Age => Gamma.Sample(random, shifted ? 13 : 3, 1 / 10.0), // scale 10; MathNet takes the rate
        Native => Categorical.Sample(random, [0.3, 0.5, 0.1, 0.1]),
        Gender => random.NextDouble() < 0.67 ? 1 : 0,
        Education => Gamma.Sample(random, shifted ? 11 : 1, 1),
        Hours => Normal.Sample(random, shifted ? 40 : 0, 1),
        WorkClass or Marital or Relationship => Normal.Sample(random, 0, 1),
        Occupation => Normal.Sample(random, random.NextDouble() < 0.5 ? -2.5 : 2.5, 1),
        Income => Gamma.Sample(random, 1, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(node)),
    };

    public override double Label(ReadOnlySpan<double> x) => x[Income];

    /// <summary>Unfiltered normal rows the income cuts are taken from (RootCLAM draws 10 x its 10,000 training rows), and their seed.</summary>
    public const int PopulationRows = 100_000, PopulationSeed = 20_230_101;

    /// <summary>
    /// The median and the 0.9 quantile (numpy's default, linear interpolation) of the income of <see cref="PopulationRows"/>
    /// unfiltered normal rows: one fixed draw, so every sample and seed shares the cuts.
    /// </summary>
    public static (double Median, double Upper) IncomeCuts => Cuts.Value;

    private static readonly Lazy<(double, double)> Cuts = new(() =>
    {
        var scm = new AdultScm();
        var random = new MathNet.Numerics.Random.Xoshiro256StarStar(PopulationSeed, threadSafe: false);
        var income = new double[PopulationRows];
        Span<double> u = stackalloc double[scm.Graph.Count];
        Span<double> x = stackalloc double[scm.Graph.Count];
        for (var r = 0; r < PopulationRows; r++)
        {
            scm.DrawNoise(random, 0, u);
            scm.Simulate(u, x);
            income[r] = x[Income];
        }
        Array.Sort(income);
        return (Quantile(income, 0.5), Quantile(income, 0.9));
        static double Quantile(double[] sorted, double tau) =>
            MathNet.Numerics.Statistics.SortedArrayStatistics.QuantileCustom(sorted, tau, MathNet.Numerics.Statistics.QuantileDefinition.R7);
    });

    protected override bool Accept(double income, bool anomaly) => anomaly ? income > IncomeCuts.Upper : income <= IncomeCuts.Median;

    /// <summary>Gamma(13, 10) against Gamma(3, 10), Gamma(11, 1) against Gamma(1, 1), N(40, 1) against N(0, 1): the means' differences.</summary>
    public override double MeanShift(int node) => node switch
    {
        Age => (13 - 3) * 10.0,
        Education => 11 - 1.0,
        Hours => 40.0,
        _ => 0,
    };

    /// <summary>The median of <see cref="IncomeCuts"/>: the label a mitigated row must return to.</summary>
    public override double LabelCut => IncomeCuts.Median;

    public override bool LabelIsNormal(double income, double cut) => income <= cut;

    /// <summary>
    /// RootCLAM's Adult detector leaves income out and watches every other node: its input is the zero-padded matrix
    /// with four columns per node (<c>fill_up_with_zeros</c>), and <c>[:, :-4]</c> in <c>main_adult.py</c> drops the
    /// last node's block, income's.
    /// </summary>
    public override IReadOnlyList<string>? DetectorNodes => Nodes.Where(n => n != "income").ToArray();

    /// <summary>
    /// Age from -160 to 40 in steps of 5, education from -30 to 10 in steps of 1, hours from -80 to 40 in steps of 2.5:
    /// past every shift (100, 10, 40) and through every threshold of income's parents (age 20, 30, 70; education 2, 10;
    /// hours 30, 45) with rows on both sides.
    /// </summary>
    public override IReadOnlyList<double[]> ActionGrid { get; } = [Steps(-160, 40, 5), Steps(-30, 10, 1), Steps(-80, 40, 2.5)];

    /// <summary>The graph with every non-root node left to be fitted; gender binary, the coded nodes categorical.</summary>
    public CausalModel Skeleton() => ToModel(null, n => n switch
    {
        "gender" => NodeType.Binary,
        "race" or "native_country" or "work_class" or "marital" or "occupation" or "relationship" => NodeType.Categorical,
        _ => NodeType.Continuous,
    });
}
