using OrleansRca.Causal.Discrete;
using OrleansRca.Contracts;
using OrleansRca.Wire.Results;

namespace OrleansRca.Wire.Requests;

/// <summary>One intervention do(X_Node = State), by variable and state index.</summary>
public readonly record struct Intervention(int Node, int State);

/// <summary>A discrete analysis' parsed request: what every discrete request has, its network.</summary>
public abstract record DiscreteRequest(BayesianNetwork Network)
{
    /// <summary>Checks what parsing does not: that exact inference fits (the junction tree's largest clique).</summary>
    public void Validate() => ExactInference.EnsureFits(Network);
}

/// <summary>
/// A <c>marginals</c> analysis as the HTTP body and the cluster carry it: <c>network</c> (BIF text) and
/// optionally <c>do</c> (<c>"NODE=STATE"</c>). The result is the <c>marginals</c> verb's JSON document.
/// </summary>
public sealed record MarginalsRequest(BayesianNetwork Network, Intervention? Do) : DiscreteRequest(Network)
{
    /// <exception cref="InputException">No or malformed network, or a <c>do</c> naming an unknown node or state.</exception>
    public static MarginalsRequest Parse(JsonObject body)
    {
        var network = DiscreteRequests.ParseNetwork(body);
        var spec = RequestJson.OptionalString(body, "do");
        return new MarginalsRequest(network, spec is null ? null : DiscreteRequests.ParseIntervention(network, spec));
    }

    /// <summary>The whole analysis in this process: what the cluster's result must equal.</summary>
    public JsonObject Run()
    {
        var inference = new ExactInference(Network);
        var marginals = Do is { } d ? inference.Marginals(d.Node, d.State) : inference.Marginals();
        var flat = new double[Network.StateCount];
        foreach (var v in Network.Variables) marginals[v.Index].CopyTo(flat, v.StateOffset);
        return ToJson(flat);
    }

    /// <summary>
    /// The verb's JSON: <c>{"marginals": {NODE: {STATE: p}}}</c> in network order, plus <c>"do": {"node", "state"}</c>
    /// when there is an intervention. <paramref name="marginals"/> is in the network-wide state numbering.
    /// </summary>
    public JsonObject ToJson(ReadOnlySpan<double> marginals)
    {
        var result = new JsonObject { ["marginals"] = MixtureMarginals.ByNode(Network, marginals) };
        if (Do is { } d)
            result["do"] = new JsonObject { ["node"] = Network.Variables[d.Node].Name, ["state"] = Network.Variables[d.Node].States[d.State] };
        return result;
    }
}

/// <summary>
/// A <c>disentanglement</c> analysis (the <c>disentangle</c> verb): <c>network</c> (BIF text), <c>mixture</c>
/// (the mixture object of contract section 3) and optionally <c>method</c> (<c>auto|exact|robust</c>).
/// <see cref="Method"/> is already resolved (never <see cref="MixtureMethod.Auto"/>).
/// </summary>
public sealed record DisentanglementRequest(BayesianNetwork Network, MixtureMarginals Mixture, MixtureMethod Method) : DiscreteRequest(Network)
{
    /// <exception cref="InputException">Bad network, a mixture inconsistent with it, or a bad or unusable method.</exception>
    public static DisentanglementRequest Parse(JsonObject body)
    {
        var network = DiscreteRequests.ParseNetwork(body);
        var mixture = MixtureMarginals.FromJson(RequestJson.RequiredObject(body, "mixture"), network);
        var text = RequestJson.OptionalString(body, "method") ?? "auto";
        var method = text switch
        {
            "auto" => MixtureMethod.Auto,
            "exact" => MixtureMethod.Exact,
            "robust" => MixtureMethod.Robust,
            _ => throw new InputException($"method must be auto, exact or robust, not '{text}'"),
        };
        return new DisentanglementRequest(network, mixture, MixtureWavefronts.ResolveMethod(method, mixture));
    }

    /// <summary>The whole analysis in this process (<see cref="MixtureSolver.Solve"/>): what the cluster's result must equal.</summary>
    public JsonObject Run() => MixtureSolver.Solve(new ExactInference(Network).AllInterventional(), Mixture, Method).ToJson();
}

/// <summary>Parsing shared by the discrete analyses, so the CLI, the runner and the HTTP API validate alike.</summary>
public static class DiscreteRequests
{
    /// <summary>Parses and validates a discrete request of the given kind.</summary>
    /// <exception cref="InputException">Anything wrong with the request, naming it.</exception>
    public static DiscreteRequest ParseAndValidate(string kind, JsonObject body)
    {
        DiscreteRequest request = kind switch
        {
            AnalysisKinds.Marginals => MarginalsRequest.Parse(body),
            AnalysisKinds.Disentanglement => DisentanglementRequest.Parse(body),
            _ => throw new ArgumentException($"'{kind}' is not a discrete analysis kind", nameof(kind)),
        };
        request.Validate();
        return request;
    }

    /// <summary>The <c>network</c> field: BIF text.</summary>
    /// <exception cref="InputException">Missing, not a string, or not a valid network.</exception>
    public static BayesianNetwork ParseNetwork(JsonObject body)
    {
        var text = RequestJson.RequiredString(body, "network");
        try
        {
            return BifReader.Parse(text);
        }
        catch (InputException e)
        {
            throw new InputException($"network: {e.Message}");
        }
    }

    /// <summary>
    /// <c>NODE=STATE</c>. Node names may themselves contain '=', so every split point is tried and the one
    /// naming a node wins.
    /// </summary>
    /// <exception cref="InputException">No '=', an unknown node or an unknown state (naming it and the states there are).</exception>
    public static Intervention ParseIntervention(BayesianNetwork network, string spec, string label = "do")
    {
        for (var cut = spec.IndexOf('=', StringComparison.Ordinal); cut >= 0; cut = spec.IndexOf('=', cut + 1))
        {
            var node = network.IndexOf(spec[..cut]);
            if (node < 0) continue;
            var state = network.Variables[node].StateIndex(spec[(cut + 1)..]);
            if (state < 0)
                throw new InputException(
                    $"{label} {spec}: node '{spec[..cut]}' has no state '{spec[(cut + 1)..]}' (states: {string.Join(", ", network.Variables[node].States)})");
            return new Intervention(node, state);
        }
        if (!spec.Contains('=', StringComparison.Ordinal))
            throw new InputException($"{label} must be NODE=STATE, not '{spec}'");
        throw new InputException($"{label} {spec}: unknown node '{spec[..spec.IndexOf('=', StringComparison.Ordinal)]}'");
    }
}
