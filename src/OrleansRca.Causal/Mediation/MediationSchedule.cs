namespace OrleansRca.Causal.Mediation;

/// <summary>
/// Which figures of an analysis come from the closed form and which need counterfactual propagation,
/// and how the pieces combine into the result. One place for these choices, so the single-machine
/// engine and the cluster's orchestrator give the same answer.
/// </summary>
public sealed class MediationSchedule
{
    public MediationPlan Plan { get; }
    public MediationEngine.LinearCoefficients Linear { get; }
    public bool[] ClosedTotal { get; }
    public bool[] ClosedDirect { get; }
    public bool[,] ClosedNie { get; }

    private MediationSchedule(MediationPlan plan, MediationEngine.LinearCoefficients linear, EffectEngine engine)
    {
        Plan = plan;
        Linear = linear;
        bool Closed(double c) => engine switch
        {
            EffectEngine.General => false,
            EffectEngine.Linear => double.IsNaN(c) ? throw new InputException("--engine linear: a mechanism on a path of the analysis is not linear") : true,
            _ => !double.IsNaN(c),
        };
        var nT = plan.Treatments.Length;
        var nM = plan.Mediators.Length;
        ClosedTotal = linear.Total.Select(Closed).ToArray();
        ClosedDirect = linear.Direct.Select(Closed).ToArray();
        ClosedNie = new bool[nT, nM];
        for (var i = 0; i < nT; i++)
            for (var j = 0; j < nM; j++) ClosedNie[i, j] = Closed(linear.Nie[i, j]);
    }

    /// <summary>The schedule for a fitted model (every non-root node has a mechanism).</summary>
    public static MediationSchedule Create(CausalModel fitted, MediationPlan plan, EffectEngine engine) =>
        new(plan, MediationEngine.Coefficients(fitted, plan), engine);

    /// <summary>
    /// Before any data: <c>--engine linear</c> needs every given mechanism on the analysis' paths to be linear.
    /// Nodes without a mechanism count as linear (least squares fits them so), with unit weights standing in
    /// for the fit, which changes no path's linearity.
    /// </summary>
    /// <exception cref="InputException">The linear engine was asked for and a given mechanism on a path is not linear.</exception>
    public static void CheckEngine(CausalModel model, MediationPlan plan, EffectEngine engine)
    {
        if (engine != EffectEngine.Linear) return;
        var mechanisms = model.Mechanisms.ToArray();
        foreach (var v in model.NodesToFit())
            mechanisms[v] = new LinearMechanism(0, Enumerable.Repeat(1.0, model.Graph.Parents[v].Length).ToArray());
        Create(model.WithMechanisms(mechanisms), plan, engine);
    }

    /// <summary>True when treatment i's run (step 2) is needed: its total effect or one of its pairs is not closed-form.</summary>
    public bool NeedsTreatmentRun(int i) =>
        !ClosedTotal[i] || Enumerable.Range(0, Plan.Mediators.Length).Any(j => !ClosedNie[i, j]);

    /// <summary>True when anything at all needs propagation (and so abduction and a baseline).</summary>
    public bool NeedsPropagation =>
        Enumerable.Range(0, Plan.Treatments.Length).Any(i => NeedsTreatmentRun(i) || !ClosedDirect[i]);

    /// <summary>Per treatment: Σ_rows (treated − untreated), the closed form's only dependence on the data.</summary>
    public static double[] DeltaSums(CausalModel model, MediationPlan plan, MediationOptions options, DataTable data) =>
        plan.Treatments.Select(t =>
        {
            var observed = data[model.Graph.Names[t]];
            return TensorPrimitives.Sum(options.Treated.Apply(observed)) - TensorPrimitives.Sum(options.Untreated.Apply(observed));
        }).ToArray();

    /// <summary>
    /// The result: closed-form figures from the coefficients and <paramref name="deltas"/>, the others
    /// from the propagated per-row sums (entries for closed-form figures are ignored).
    /// </summary>
    public MediationResult Assemble(CausalModel fitted, MediationOptions options, int rows, double[] deltas,
        double[] teSums, double[] ndeSums, double[,] nieSums)
    {
        var nT = Plan.Treatments.Length;
        var nM = Plan.Mediators.Length;
        var nie = new double[nT, nM];
        var method = new string[nT, nM];
        var te = new double[nT];
        var nde = new double[nT];
        for (var i = 0; i < nT; i++)
        {
            te[i] = ClosedTotal[i] ? Linear.Total[i] * deltas[i] : teSums[i];
            nde[i] = ClosedDirect[i] ? Linear.Direct[i] * deltas[i] : ndeSums[i];
            for (var j = 0; j < nM; j++)
            {
                nie[i, j] = ClosedNie[i, j] ? Linear.Nie[i, j] * deltas[i] : nieSums[i, j];
                method[i, j] = ClosedNie[i, j] ? "linear" : "general";
            }
        }
        return MediationEngine.Assemble(fitted, Plan, options, rows, nie, method, te, nde);
    }
}
