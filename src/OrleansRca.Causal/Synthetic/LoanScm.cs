using System.Text.Json.Nodes;
using MathNet.Numerics.Distributions;

namespace OrleansRca.Causal.Synthetic;

/// <summary>
/// RootCLAM's Loan SCM (semi-synthetic German credit, <c>shared/spec/rootclam-datasets.md</c>), nodes
/// G A E L D I S; candidates L D I S. E's noise sits inside the sigmoid; every other node is additive.
/// Normal rows have y &gt; 0.95 and anomalies y &lt; 0.05 (rejection sampling); mitigation flips the label when y &gt; 0.9.
/// </summary>
public sealed class LoanScm : RootClamScm
{
    public const int G = 0, A = 1, E = 2, L = 3, D = 4, I = 5, S = 6;

    /// <summary>Mean shifts of the anomalous noises: u_L +4 (2 sd), u_D +9 (3 sd), u_I -4 (2 sd), u_S -25 (5 sd).</summary>
    public static readonly IReadOnlyDictionary<string, double> Shifts =
        new Dictionary<string, double> { ["L"] = 4, ["D"] = 9, ["I"] = -4, ["S"] = -25 };

    /// <summary>Noise standard deviations of the Gaussian nodes.</summary>
    public static readonly IReadOnlyDictionary<string, double> NoiseSd =
        new Dictionary<string, double> { ["E"] = 0.5, ["L"] = 2, ["D"] = 3, ["I"] = 2, ["S"] = 5 };

    /// <summary>Protocol label cuts: normal rows y &gt; 0.95, anomalies y &lt; 0.05, a flipped label y &gt; 0.9.</summary>
    public const double NormalLabel = 0.95, AnomalyLabel = 0.05, FlippedLabel = 0.9;

    public LoanScm() : base(["G", "A", "E", "L", "D", "I", "S"],
        [("G", "E"), ("A", "E"), ("G", "L"), ("A", "L"), ("G", "D"), ("A", "D"), ("L", "D"),
         ("G", "I"), ("A", "I"), ("E", "I"), ("I", "S")],
        ["L", "D", "I", "S"])
    { }

    public override string Name => "loan";

    public override double Mechanism(int node, ReadOnlySpan<double> x, double u) => node switch
    {
        G => u,
        A => -35 + u,
        E => -0.5 + Sigmoid(EducationInner(x) + u),
        _ => Additive(node, x) + u,
    };

    /// <summary>The noise-free part of the additive nodes L D I S.</summary>
    private static double Additive(int node, ReadOnlySpan<double> x) => node switch
    {
        L => 1 + 0.01 * (x[A] - 5) * (5 - x[A]) + x[G],
        D => -1 + 0.1 * x[A] + 2 * x[G] + x[L],
        I => -4 + 0.1 * (x[A] + 35) + 2 * x[G] + x[G] * x[E],
        S => -4 + 1.5 * Math.Max(x[I], 0),
        _ => throw new ArgumentOutOfRangeException(nameof(node)),
    };

    private static double EducationInner(ReadOnlySpan<double> x) => -1 + 0.5 * x[G] + Sigmoid(0.1 * x[A]);

    public override bool TryAbduct(int node, ReadOnlySpan<double> x, out double u)
    {
        u = node switch
        {
            G => x[G],
            A => x[A] + 35,
            // u_E = logit(E + 0.5) - inner: NaN when E + 0.5 falls outside (0, 1), which no generated row does.
            E => Math.Log((x[E] + 0.5) / (0.5 - x[E])) - EducationInner(x),
            _ => x[node] - Additive(node, x),
        };
        return double.IsFinite(u);
    }

    protected override double SampleNoise(int node, System.Random random, bool shifted)
    {
        var name = Nodes[node];
        return node switch
        {
            G => random.NextDouble() < 0.5 ? 1 : 0,
            A => Gamma.Sample(random, 10, 1 / 3.5), // shape 10, scale 3.5 (MathNet takes the rate)
            _ => Normal.Sample(random, shifted ? Shifts[name] : 0, NoiseSd[name]),
        };
    }

    /// <summary>y = sigmoid(0.3 (-L - D + I + S + I S)).</summary>
    public override double Label(ReadOnlySpan<double> x) =>
        Sigmoid(0.3 * (-x[L] - x[D] + x[I] + x[S] + x[I] * x[S]));

    protected override bool Accept(double y, bool anomaly) => anomaly ? y < AnomalyLabel : y > NormalLabel;

    public override double MeanShift(int node) => Shifts.GetValueOrDefault(Nodes[node]);

    public override double LabelCut => FlippedLabel;

    /// <summary>L, D, I, S each from -30 to 30 in steps of 5 (shifts are 4, 9, -4 and -25).</summary>
    public override IReadOnlyList<double[]> ActionGrid { get; } = Enumerable.Repeat(Steps(-30, 30, 5), 4).ToArray();

    public override bool LabelIsNormal(double y, double cut) => y > cut;

    /// <summary>
    /// The model file of the true mechanisms (contract section 1), G A E not controllable. The file format has
    /// additive noise only, so E's mechanism is its noise-free part -0.5 + sigmoid(inner): abducting E from
    /// this model gives an additive residual rather than u_E (use <see cref="TryAbduct"/> for u_E), but E has no
    /// controllable ancestor, so every counterfactual of an action on L D I S keeps E's observed value exactly.
    /// </summary>
    public static JsonObject ModelJson()
    {
        var graph = new LoanScm().Graph;
        var model = new JsonObject
        {
            ["name"] = "loan",
            ["nodes"] = new JsonArray(
                new JsonObject { ["name"] = "G", ["type"] = "binary", ["controllable"] = false },
                new JsonObject { ["name"] = "A", ["controllable"] = false },
                new JsonObject { ["name"] = "E", ["controllable"] = false },
                new JsonObject { ["name"] = "L" }, new JsonObject { ["name"] = "D" },
                new JsonObject { ["name"] = "I" }, new JsonObject { ["name"] = "S" }),
            ["edges"] = new JsonArray(graph.Names.SelectMany((child, v) =>
                graph.Parents[v].Select(p => (JsonNode)new JsonArray(graph.Names[p], child))).ToArray()),
            ["mechanisms"] = new JsonObject
            {
                ["E"] = Formula("-0.5 + sigmoid(-1 + 0.5*G + sigmoid(0.1*A))"),
                ["L"] = Formula("1 + 0.01*(A - 5)*(5 - A) + G"),
                ["D"] = Formula("-1 + 0.1*A + 2*G + L"),
                ["I"] = Formula("-4 + 0.1*(A + 35) + 2*G + G*E"),
                ["S"] = Formula("-4 + 1.5*max(I, 0)"),
            },
        };
        return model;
        static JsonObject Formula(string e) => new() { ["kind"] = "formula", ["expression"] = e };
    }

    /// <summary>The true mechanisms as a <see cref="CausalModel"/> (see <see cref="ModelJson"/>).</summary>
    public static CausalModel Model() => ModelFile.FromJson(ModelJson(), "loan");

    /// <summary>The graph with L D I S left to be fitted from data (E too: it is not a root).</summary>
    public CausalModel Skeleton() => ToModel(null, n => n == "G" ? NodeType.Binary : NodeType.Continuous);
}
