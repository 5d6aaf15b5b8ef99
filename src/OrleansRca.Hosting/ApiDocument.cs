using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansRca.Hosting;

/// <summary>
/// The OpenAPI document's parts that the endpoint metadata cannot say: one-of shapes (a table is CSV text or a
/// dataset reference), the result schema of each kind under <c>result</c>, an example per kind, the API key
/// scheme, and <c>/metrics</c>.
/// </summary>
public static class ApiDocument
{
    private const string BearerScheme = "bearer";

    public static string SubmitOperation(string kind) => "Submit" + char.ToUpperInvariant(kind[0]) + kind[1..];

    /// <summary>The refusals every body-carrying route can answer with: bad input, no key, too large, wrong type, too many.</summary>
    public static RouteHandlerBuilder ProducesUploadProblems(this RouteHandlerBuilder route) => route
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (type == typeof(TableInput))
                OneOf(schema, new OpenApiSchema { Type = JsonSchemaType.String, Description = "CSV text: a header row of node names, then one row per unit." },
                    Object(("dataset", new OpenApiSchema { Type = JsonSchemaType.String, Description = "The id of an uploaded dataset (POST /v1/datasets)." })));
            else if (type == typeof(StringOrList))
                OneOf(schema, new OpenApiSchema { Type = JsonSchemaType.String },
                    new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } });
            else if (type == typeof(CostInput))
                OneOf(schema, new OpenApiSchema { Type = JsonSchemaType.String, Description = "sd, unit or N=s,N=s." },
                    new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Number } });
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var kind = AnalysisKinds.All.FirstOrDefault(k => operation.OperationId == SubmitOperation(k));
            if (kind is not null && operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var json))
                json.Example = JsonNode.Parse(ApiExamples.Request(kind));
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer(async (document, context, cancellationToken) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "OrleansRca",
                Version = "v1",
                Description = "Causal root-cause analysis on an Orleans cluster. Submit an analysis with POST /v1/analyses/{kind}, "
                    + "poll GET /v1/analyses/{id} until it has succeeded or failed. Bad input is a 4xx application/problem+json naming "
                    + "what is wrong. When the server has an API key, every /v1 request needs 'Authorization: Bearer KEY'. "
                    + $"Interactive page: {RcaService.ApiPagePath}.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The API key of the server (serve --api-key-file or RCA_API_KEY), when it has one.",
            };
            var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] };
            foreach (var (path, item) in document.Paths)
                if (path.StartsWith("/v1", StringComparison.Ordinal) && item.Operations is { } operations)
                    foreach (var operation in operations.Values) operation.Security = [requirement];

            // The result of a succeeded analysis is the kind's result record.
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            var results = new List<IOpenApiSchema>();
            foreach (var kind in AnalysisKinds.All)
            {
                var type = WireTypes.ResultOf(kind);
                document.Components.Schemas[type.Name] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken).ConfigureAwait(false);
                results.Add(new OpenApiSchemaReference(type.Name, document));
            }
            if (document.Components.Schemas.TryGetValue(nameof(AnalysisDocument), out var status) && status is OpenApiSchema statusSchema)
            {
                statusSchema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                statusSchema.Properties["result"] = new OpenApiSchema
                {
                    Description = "The kind's result (the CLI's JSON output), when the analysis succeeded.",
                    OneOf = results,
                };
            }

            document.Paths["/metrics"] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new OpenApiOperation
                    {
                        OperationId = "Metrics",
                        Summary = "Prometheus metrics: Orleans' meter, the engine's (rca.analyses.*, rca.analysis.duration, rca.rows.processed, "
                            + "rca.pairs.processed, rca.analyses.running, rca.dataset_cache.bytes) and ASP.NET Core's. Needs no API key.",
                        Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
                        Responses = new OpenApiResponses
                        {
                            ["200"] = new OpenApiResponse
                            {
                                Description = "The Prometheus text exposition format.",
                                Content = new Dictionary<string, OpenApiMediaType>
                                {
                                    ["text/plain"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                                },
                            },
                        },
                    },
                },
            };
        });
    }

    private static void OneOf(OpenApiSchema schema, params IOpenApiSchema[] choices)
    {
        schema.Type = null;
        schema.Properties?.Clear();
        schema.OneOf = [.. choices];
    }

    private static OpenApiSchema Object(params (string Name, OpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Properties = properties.ToDictionary(p => p.Name, p => (IOpenApiSchema)p.Schema),
        Required = properties.Select(p => p.Name).ToHashSet(),
        AdditionalPropertiesAllowed = false,
    };
}
