namespace OrleansRca.Causal.Tests.Discrete;

/// <summary>Paths of the copied reference data (tests/data, see tests/data/README.md) cached networks and their exact marginals.</summary>
internal static class DiscreteData
{
    public static string Dir(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    public static readonly string[] Networks = ["alarm", "asia", "cancer", "child", "earthquake", "sachs", "survey"];

    private static readonly Dictionary<string, BayesianNetwork> Cache = [];

    public static BayesianNetwork Load(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var net))
                Cache[name] = net = BifReader.Load(Dir("bif", name + ".bif"));
            return net;
        }
    }

    private static readonly Dictionary<string, InterventionalMarginals> Oracles = [];

    /// <summary>Exact interventional marginals of a network (the mixture tests' oracle), computed once per run.</summary>
    public static InterventionalMarginals Oracle(string name)
    {
        lock (Oracles)
        {
            if (!Oracles.TryGetValue(name, out var o))
                Oracles[name] = o = new ExactInference(Load(name)).AllInterventional();
            return o;
        }
    }

    /// <summary>The N_ivn of the shared ALARM instances (tests/data/dimm/alarm-nivn{N}-m{samples}-seed0.json).</summary>
    public static readonly TheoryData<int> AlarmInterventionCounts = [0, 5, 9, 17, 34, 68];
}
