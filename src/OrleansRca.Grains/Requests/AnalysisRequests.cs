using System.Text.Json.Nodes;
using OrleansRca.Causal.Discrete;
using OrleansRca.Causal.Mediation;
using OrleansRca.Causal.RootCause;

namespace OrleansRca.Grains.Requests;

/// <summary>Where the tables of a request go: inline CSV becomes a dataset; a dataset reference must exist.</summary>
public interface IDatasetIntake
{
    /// <summary>Stores <paramref name="csv"/> (sent inline in field <paramref name="field"/>) as a dataset; its id.</summary>
    Task<string> AddCsvAsync(string csv, string field, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string id, CancellationToken cancellationToken);
}

/// <summary>
/// The intake of a process that holds the store (the silo's HTTP API, the embedded CLI, tests). With an
/// <paramref name="owner"/> (the id the analysis will have), every table it names is pinned for that analysis
/// before it is looked up or stored, so a bounded store cannot drop it in between; the owner's pins end when
/// the analysis finishes (<see cref="IDatasetStore.Release"/>).
/// </summary>
public sealed class StoreIntake(IDatasetStore store, string? owner = null) : IDatasetIntake
{
    public async Task<string> AddCsvAsync(string csv, string field, CancellationToken cancellationToken)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(csv);
        var id = Dataset.IdOf(bytes);
        if (owner is not null) store.Pin(owner, id);
        if (await store.DescribeAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            if (string.IsNullOrWhiteSpace(csv)) throw new InputException($"{field} is empty: it needs a header row and at least one data row");
            await store.SaveAsync(CsvColumns.Read(bytes, field, id: id), DatasetOrigin.Inline, cancellationToken).ConfigureAwait(false);
        }
        return id;
    }

    public async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken)
    {
        if (owner is not null) store.Pin(owner, id);
        return await store.DescribeAsync(id, cancellationToken).ConfigureAwait(false) is not null;
    }
}

/// <summary>
/// The one translation of request bodies (HTTP JSON, and the CLI's options, which it writes in the same
/// shape) into typed <see cref="AnalysisSpec"/> records, and of those back into the core's requests.
/// Everything that can be checked without the data is checked here, so bad input never reaches a grain.
/// </summary>
public static class AnalysisRequests
{
    /// <exception cref="InputException">Anything wrong with the body, naming it.</exception>
    public static async Task<AnalysisSpec> ParseAsync(string kind, JsonObject body, IDatasetIntake intake, CancellationToken cancellationToken)
    {
        if (!AnalysisKinds.IsKnown(kind))
            throw new InputException($"unknown analysis kind '{kind}'; use one of {string.Join(", ", AnalysisKinds.All)}");
        // A misspelt option must not be silently ignored: fields come from the kind's request record.
        if (KnownFields.Unknown(kind, body) is { Count: > 0 } unknown) throw new InputException(KnownFields.Message(kind, unknown));
        switch (kind)
        {
            case AnalysisKinds.Mediation:
            {
                var model = RequestJson.Model(body);
                var options = MediationRequest.ParseOptions(body);
                var data = await DataAsync(body, "data", intake, cancellationToken).ConfigureAwait(false);
                var spec = new MediationSpec(ModelRecords.From(model), data, new MediationSettings(
                    options.Treatments?.ToArray(), options.Mediators?.ToArray(), options.Outcome,
                    RequestJson.OptionalString(body, "treated") ?? "+50%", RequestJson.OptionalString(body, "untreated") ?? "observed",
                    RequestJson.OptionalString(body, "engine") ?? "auto", options.Bootstrap, options.Seed, options.Confidence));
                // The node choices and the engine are checked against the model now, without the data.
                var mediationOptions = ToOptions(spec.Settings);
                MediationSchedule.CheckEngine(model, MediationPlan.Create(model, mediationOptions), mediationOptions.Engine);
                return spec;
            }
            case AnalysisKinds.Mitigation:
            {
                var model = RequestJson.Model(body);
                MitigationRequest.ParseOptions(body, model); // checked now, without the data
                var cost = body["cost"] switch
                {
                    null => "sd",
                    JsonObject o => string.Join(",", o.Select(kv => $"{kv.Key}={(DocumentJson.TryGetNumber(kv.Value, out var c) ? c.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : throw new InputException($"cost: the scale of '{kv.Key}' must be a number"))}")),
                    _ => RequestJson.OptionalString(body, "cost") ?? "sd",
                };
                var normal = await DataAsync(body, "normal", intake, cancellationToken).ConfigureAwait(false);
                var anomalies = await DataAsync(body, "anomalies", intake, cancellationToken).ConfigureAwait(false);
                var defaults = new Causal.Mitigation.MitigationOptions();
                return new MitigationSpec(ModelRecords.From(model), normal, anomalies, new MitigationSettings(
                    RequestJson.OptionalString(body, "detector") ?? "mahalanobis", RequestJson.OptionalNumber(body, "alpha") ?? defaults.Alpha,
                    RequestJson.OptionalNumber(body, "pi") ?? defaults.Pi, cost,
                    Causal.Mitigation.MitigationOptions.ToText(Causal.Mitigation.MitigationOptions.ParseScope(RequestJson.OptionalString(body, "act-on")))));
            }
            case AnalysisKinds.Localization:
            {
                var model = RequestJson.Model(body);
                var options = LocalizationRequest.ParseOptions(body);
                options.Validate(model);
                var normal = await DataAsync(body, "normal", intake, cancellationToken).ConfigureAwait(false);
                var anomalies = await DataAsync(body, "anomalies", intake, cancellationToken).ConfigureAwait(false);
                return new LocalizationSpec(ModelRecords.From(model), normal, anomalies, new LocalizationSettings(options.Pi, options.Target,
                    options.Method.ToString().ToLowerInvariant(), options.BlameLevel, options.Seed, options.Samples, options.Permutations));
            }
            case AnalysisKinds.Marginals:
            {
                DiscreteRequests.ParseAndValidate(kind, body); // checked now, before any grain
                return new DiscreteSpec(kind, RequestJson.RequiredString(body, "network"), RequestJson.OptionalString(body, "do"), null, null, null);
            }
            case AnalysisKinds.Disentanglement:
            {
                var parsed = (DisentanglementRequest)DiscreteRequests.ParseAndValidate(kind, body);
                return new DiscreteSpec(kind, RequestJson.RequiredString(body, "network"), null,
                    parsed.Mixture.Values.ToArray(), parsed.Mixture.Samples, parsed.Method.ToString().ToLowerInvariant());
            }
            case AnalysisKinds.Discovery:
            {
                var options = DiscoveryRequest.ParseOptions(body);
                if (body["data"] is not JsonArray tables || tables.Count == 0)
                    throw new InputException("the request needs 'data': an array of tables (CSV text or {\"dataset\": \"ID\"}), the observational data first, then one per regime");
                var names = RequestJson.OptionalStrings(body, "names") ?? tables.Select((_, i) => $"data[{i}]").ToList();
                if (names.Count != tables.Count) throw new InputException($"'names' has {names.Count} entries for {tables.Count} data sets");
                if (names.Distinct(StringComparer.Ordinal).Count() != names.Count) throw new InputException("'names' must be distinct");
                var refs = new DataRef[tables.Count];
                for (var i = 0; i < tables.Count; i++)
                {
                    var one = new JsonObject { ["data"] = tables[i]?.DeepClone(), ["missing"] = body["missing"]?.DeepClone() };
                    refs[i] = await DataAsync(one, "data", intake, cancellationToken).ConfigureAwait(false);
                }
                var k = options.Knowledge;
                return new DiscoverySpec(refs, [.. names], new DiscoverySettings(
                    [.. k.Required.Select(e => $"{e.Parent}->{e.Child}")], [.. k.Forbidden.Select(e => $"{e.Parent}->{e.Child}")],
                    [.. k.Tiers.Select(t => t.ToArray())],
                    RequestJson.OptionalNumber(body, "penalty"), RequestJson.OptionalNumber(body, "expected_targets"),
                    RequestJson.OptionalInt(body, "restarts"), RequestJson.OptionalInt(body, "seed"),
                    body["model"] is JsonValue m && m.TryGetValue<bool>(out var withModel) && withModel));
            }
            default:
                throw new InputException($"unknown analysis kind '{kind}'; use one of {string.Join(", ", AnalysisKinds.All)}");
        }
    }

    /// <summary>
    /// A table field: CSV text (stored as a dataset) or <c>{"dataset": "ID"}</c>; the body's <c>missing</c>
    /// option says how gaps are treated.
    /// </summary>
    public static async Task<DataRef> DataAsync(JsonObject body, string field, IDatasetIntake intake, CancellationToken cancellationToken)
    {
        var missing = MissingValues.Parse(RequestJson.OptionalString(body, "missing")).ToText();
        switch (body[field])
        {
            case null:
                throw new InputException($"the request has no '{field}' (CSV text, or {{\"dataset\": \"ID\"}})");
            case JsonValue v when v.TryGetValue<string>(out var csv):
                return new DataRef(await intake.AddCsvAsync(csv, field, cancellationToken).ConfigureAwait(false), missing);
            case JsonObject o when o.Count == 1 && o["dataset"] is JsonValue d && d.TryGetValue<string>(out var id):
                if (!Dataset.IsId(id) || !await intake.ExistsAsync(id, cancellationToken).ConfigureAwait(false))
                    throw new InputException($"{field}: no dataset has the id '{id}' (upload it with POST /v1/datasets first)");
                return new DataRef(id, missing);
            default:
                throw new InputException($"'{field}' must be CSV text or {{\"dataset\": \"ID\"}}");
        }
    }

    public static MediationOptions ToOptions(MediationSettings s) => MediationRequest.ParseOptions(new JsonObject
    {
        ["treatment"] = s.Treatments is null ? null : new JsonArray([.. s.Treatments.Select(t => (JsonNode?)t)]),
        ["mediator"] = s.Mediators is null ? null : new JsonArray([.. s.Mediators.Select(t => (JsonNode?)t)]),
        ["outcome"] = s.Outcome,
        ["treated"] = s.Treated,
        ["untreated"] = s.Untreated,
        ["engine"] = s.Engine,
        ["bootstrap"] = s.Bootstrap,
        ["seed"] = s.Seed,
        ["confidence"] = s.Confidence,
    });

    /// <summary>The table a model needs from a dataset, gaps treated by <paramref name="data"/>'s policy.</summary>
    public static DataTable Table(CausalModel model, Dataset dataset, DataRef data)
    {
        var policy = MissingValues.Parse(data.Missing);
        var table = dataset.Select(model.Nodes.Select(n => n.Name).ToList(), model.Nodes.Select(n => n.Type).ToList(), policy);
        return policy == MissingPolicy.Error ? table : MissingValues.Fill(table, policy, dataset.Source);
    }

    /// <summary>The core's mediation request (validated) from the spec and its dataset.</summary>
    public static MediationRequest ToMediation(MediationSpec spec, Dataset dataset)
    {
        var model = ModelRecords.ToModel(spec.Model);
        var request = new MediationRequest(model, Table(model, dataset, spec.Data), ToOptions(spec.Settings));
        request.Validate();
        return request;
    }

    /// <summary>The discovery's tables (gaps resolved) and its prepared problem (data and knowledge checked).</summary>
    public static (IReadOnlyList<DataTable> Tables, Causal.Discovery.DiscoveryProblem Problem) ToDiscovery(DiscoverySpec spec, IReadOnlyList<Dataset> datasets)
    {
        var missing = MissingValues.Parse(spec.Data.Length > 0 ? spec.Data[0].Missing : null);
        var tables = DiscoveryRequest.Load(datasets, spec.Names, missing);
        var s = spec.Settings;
        var body = new JsonObject
        {
            ["require"] = new JsonArray([.. s.Require.Select(x => (JsonNode?)x)]),
            ["forbid"] = new JsonArray([.. s.Forbid.Select(x => (JsonNode?)x)]),
            ["tiers"] = new JsonArray([.. s.Tiers.Select(t => (JsonNode?)new JsonArray([.. t.Select(x => (JsonNode?)x)]))]),
            ["penalty"] = s.Penalty,
            ["expected_targets"] = s.ExpectedTargets,
            ["restarts"] = s.Restarts,
            ["seed"] = s.Seed,
        };
        return (tables, Causal.Discovery.DiscoveryProblem.Create(tables, spec.Names, DiscoveryRequest.ParseOptions(body)));
    }

    /// <summary>The core's mitigation inputs (gaps resolved as localization does) and options, validated.</summary>
    public static (Causal.RootCause.LocalizationData Data, Causal.Mitigation.MitigationOptions Options) ToMitigation(MitigationSpec spec, Dataset normal, Dataset anomalies)
    {
        var model = ModelRecords.ToModel(spec.Model);
        var options = MitigationRequest.ParseOptions(new JsonObject
        {
            ["detector"] = spec.Settings.Detector, ["alpha"] = spec.Settings.Alpha, ["pi"] = spec.Settings.Pi, ["cost"] = spec.Settings.Cost,
            ["act-on"] = spec.Settings.ActOn,
        }, model);
        return (NormalAndAnomalies(model, spec.Normal, normal, spec.Anomalies, anomalies), options);
    }

    /// <summary>The core's localization inputs (gaps resolved by the spec's policy) and options, validated.</summary>
    public static (LocalizationData Data, LocalizeOptions Options) ToLocalization(LocalizationSpec spec, Dataset normal, Dataset anomalies)
    {
        var model = ModelRecords.ToModel(spec.Model);
        var s = spec.Settings;
        var options = LocalizationRequest.ParseOptions(new JsonObject
        {
            ["pi"] = s.Pi, ["target"] = s.Target, ["method"] = s.Method, ["blame-level"] = s.BlameLevel,
            ["seed"] = s.Seed, ["samples"] = s.Samples, ["permutations"] = s.Permutations,
        });
        options.Validate(model);
        return (NormalAndAnomalies(model, spec.Normal, normal, spec.Anomalies, anomalies), options);
    }

    /// <summary>
    /// The normal and anomalous tables of localization and mitigation: the model's columns of each dataset, gaps
    /// kept as NaN by each reference's policy for <c>LocalizationData</c> to resolve (means from the normal rows).
    /// </summary>
    private static LocalizationData NormalAndAnomalies(CausalModel model, DataRef normalRef, Dataset normal, DataRef anomaliesRef, Dataset anomalies)
    {
        var names = model.Nodes.Select(n => n.Name).ToList();
        var types = model.Nodes.Select(n => n.Type).ToList();
        var policy = MissingValues.Parse(normalRef.Missing);
        return LocalizationData.Create(model, normal.Select(names, types, policy), anomalies.Select(names, types, MissingValues.Parse(anomaliesRef.Missing)), policy);
    }

    /// <summary>The core's discrete request (a <see cref="MarginalsRequest"/> or a <see cref="DisentanglementRequest"/>), validated.</summary>
    public static DiscreteRequest ToDiscrete(DiscreteSpec spec)
    {
        var body = new JsonObject { ["network"] = spec.NetworkBif };
        if (spec.Do is not null) body["do"] = spec.Do;
        if (spec.DiscreteKind == AnalysisKinds.Marginals) return DiscreteRequests.ParseAndValidate(spec.DiscreteKind, body);
        var network = DiscreteRequests.ParseNetwork(body);
        var mixture = MixtureMarginals.Create(network, spec.Mixture ?? throw new InputException("a disentanglement needs its mixture"), spec.MixtureSamples, normalize: false);
        var method = spec.Method switch
        {
            "exact" => MixtureMethod.Exact, "robust" => MixtureMethod.Robust, _ => MixtureMethod.Auto,
        };
        var request = new DisentanglementRequest(network, mixture, MixtureWavefronts.ResolveMethod(method, mixture));
        request.Validate();
        return request;
    }
}
