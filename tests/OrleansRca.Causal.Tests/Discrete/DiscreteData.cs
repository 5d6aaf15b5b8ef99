namespace OrleansRca.Causal.Tests.Discrete;

/// <summary>Paths of the copied reference data (tests/data, see tests/data/README.md) and cached networks.</summary>
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
}
