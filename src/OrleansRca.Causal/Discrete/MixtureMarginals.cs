using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansRca.Causal.Discrete;

/// <summary>
/// The observed marginals of a mixture of interventions (contract section 3):
/// <c>{ "marginals": { NODE: { STATE: p, ... }, ... }, "samples": m }</c>, validated against a network and
/// stored in its network-wide state numbering. <c>samples</c> absent means the marginals are exact.
/// </summary>
public sealed class MixtureMarginals
{
    /// <summary>How far an exact node marginal may sum from 1.</summary>
    public const double ExactSumTolerance = 1e-6;

    /// <summary>How far an estimated (sampled, possibly rounded) node marginal may sum from 1.</summary>
    public const double SampledSumTolerance = 1e-4;

    private readonly double[] _values;

    private MixtureMarginals(BayesianNetwork network, double[] values, long? samples)
    {
        Network = network;
        _values = values;
        Samples = samples;
    }

    /// <summary>The network the marginals are stated for.</summary>
    public BayesianNetwork Network { get; }

    /// <summary>Number of samples the estimates came from; null when exact.</summary>
    public long? Samples { get; }

    /// <summary>P_mix(X = s) in the network-wide state numbering; each node's block sums to exactly 1.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>P_mix(X_node), in state order.</summary>
    public ReadOnlySpan<double> Of(int node)
    {
        var v = Network.Variables[node];
        return _values.AsSpan(v.StateOffset, v.Cardinality);
    }

    /// <summary>
    /// Validates marginals given in the network-wide state numbering and rescales each node's to sum to 1.
    /// <paramref name="normalize"/> false: <paramref name="values"/> are <see cref="Values"/> of an earlier
    /// instance, already rescaled (rescaling twice would move the last bits).
    /// </summary>
    /// <exception cref="InputException">Wrong length, a value outside [0, 1], or a node whose marginal does not sum to 1 (naming it).</exception>
    public static MixtureMarginals Create(BayesianNetwork network, ReadOnlySpan<double> values, long? samples = null, bool normalize = true)
    {
        if (values.Length != network.StateCount)
            throw new InputException($"the mixture has {values.Length} marginal values, the network has {network.StateCount} states");
        if (samples is < 1)
            throw new InputException($"'samples' must be a positive number of rows, not {samples}");
        var copy = values.ToArray();
        var tolerance = samples is null ? ExactSumTolerance : SampledSumTolerance;
        foreach (var v in network.Variables)
        {
            var block = copy.AsSpan(v.StateOffset, v.Cardinality);
            var sum = 0.0;
            for (var k = 0; k < block.Length; k++)
            {
                if (!double.IsFinite(block[k]) || block[k] < 0 || block[k] > 1)
                    throw new InputException(
                        $"node '{v.Name}', state '{v.States[k]}': mixture probability {Format(block[k])} is outside [0, 1]");
                sum += block[k];
            }
            if (Math.Abs(sum - 1) > tolerance)
                throw new InputException(
                    $"node '{v.Name}': the mixture marginals sum to {sum.ToString("G12", CultureInfo.InvariantCulture)}, not 1 (tolerance {tolerance:g})");
            if (normalize) foreach (ref var p in block) p /= sum;
        }
        return new MixtureMarginals(network, copy, samples);
    }

    /// <summary>Reads a mixture file.</summary>
    /// <exception cref="InputException">Not JSON, or invalid for the network.</exception>
    public static MixtureMarginals Load(string path, BayesianNetwork network)
    {
        var text = File.ReadAllText(path);
        try
        {
            return Parse(text, network);
        }
        catch (InputException e)
        {
            throw new InputException($"{Path.GetFileName(path)}: {e.Message}");
        }
    }

    /// <summary>Parses the JSON text of a mixture file.</summary>
    /// <exception cref="InputException">Not JSON, or invalid for the network.</exception>
    public static MixtureMarginals Parse(string json, BayesianNetwork network)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InputException($"the mixture file is not valid JSON: {e.Message}");
        }
        return FromJson(root, network);
    }

    /// <summary>Reads the mixture object (already parsed, e.g. inlined in an HTTP request).</summary>
    /// <exception cref="InputException">Unknown or missing nodes and states, non-numbers, marginals not summing to 1.</exception>
    public static MixtureMarginals FromJson(JsonNode? root, BayesianNetwork network)
    {
        if (root is not JsonObject obj)
            throw new InputException("the mixture must be a JSON object with a 'marginals' object");
        if (obj["marginals"] is not JsonObject marginals)
            throw new InputException("the mixture has no 'marginals' object");

        long? samples = null;
        if (obj["samples"] is { } s)
        {
            if (s is not JsonValue sv || !DocumentJson.TryGetNumber(sv, out var m) || !double.IsFinite(m) || m < 1 || m != Math.Floor(m) || m > 1e18)
                throw new InputException($"'samples' must be a positive whole number of rows, not {s.ToJsonString()}");
            samples = (long)m;
        }

        var values = new double[network.StateCount];
        var seen = new bool[network.StateCount];
        foreach (var (nodeName, byState) in marginals)
        {
            var node = network.IndexOf(nodeName);
            if (node < 0)
                throw new InputException($"the mixture names unknown node '{nodeName}'");
            var v = network.Variables[node];
            if (byState is not JsonObject states)
                throw new InputException($"node '{nodeName}': the mixture marginal must be an object of state: probability");
            foreach (var (stateName, p) in states)
            {
                var k = v.StateIndex(stateName);
                if (k < 0)
                    throw new InputException($"node '{nodeName}' has no state '{stateName}' (states: {string.Join(", ", v.States)})");
                if (p is not JsonValue pv || !DocumentJson.TryGetNumber(pv, out var prob))
                    throw new InputException($"node '{nodeName}', state '{stateName}': {p?.ToJsonString() ?? "null"} is not a probability");
                values[v.StateOffset + k] = prob;
                seen[v.StateOffset + k] = true;
            }
        }
        foreach (var v in network.Variables)
        {
            var given = 0;
            for (var k = 0; k < v.Cardinality; k++) if (seen[v.StateOffset + k]) given++;
            if (given == 0)
                throw new InputException($"node '{v.Name}' is missing from the mixture marginals");
            for (var k = 0; k < v.Cardinality; k++)
                if (!seen[v.StateOffset + k])
                    throw new InputException($"node '{v.Name}': state '{v.States[k]}' is missing from the mixture marginals");
        }
        return Create(network, values, samples);
    }

    /// <summary>The contract's JSON form of these marginals.</summary>
    public JsonObject ToJson()
    {
        var result = new JsonObject { ["marginals"] = ByNode(Network, _values) };
        if (Samples is { } m) result["samples"] = m;
        return result;
    }

    /// <summary><c>{NODE: {STATE: p}}</c> in network order, from <paramref name="values"/> in the network-wide state numbering.</summary>
    public static JsonObject ByNode(BayesianNetwork network, ReadOnlySpan<double> values)
    {
        if (values.Length != network.StateCount)
            throw new ArgumentException($"{values.Length} marginals for {network.StateCount} states", nameof(values));
        var byNode = new JsonObject();
        foreach (var v in network.Variables)
        {
            var states = new JsonObject();
            for (var k = 0; k < v.Cardinality; k++) states[v.States[k]] = values[v.StateOffset + k];
            byNode[v.Name] = states;
        }
        return byNode;
    }

    private static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
