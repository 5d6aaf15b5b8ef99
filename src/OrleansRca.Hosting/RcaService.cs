using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;

namespace OrleansRca.Hosting;

/// <summary>
/// What makes the silo's HTTP API a service others can rely on (contract section 6): the API key on <c>/v1</c>,
/// per-client rate limiting, OpenTelemetry (Prometheus at <c>/metrics</c>, OTLP when configured, sampled traces
/// across grains), quiet logs, and the interactive API page at <c>/scalar/v1</c>.
/// </summary>
public static class RcaService
{
    public const string RatePolicy = "per-client";

    /// <summary>The interactive API reference (Scalar) over <c>/openapi/v1.json</c>.</summary>
    public const string ApiPagePath = "/scalar/v1";

    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddRcaService(this WebApplicationBuilder builder, ServiceOptions options)
    {
        options.Validate();
        builder.Services.AddSingleton(options);

        // Per-request chatter (request started/finished, placement) stays below Information.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Orleans' placement retries log two Information lines per new activation through Polly.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RatePolicy, http => options.RateLimitPerSecond == 0
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetTokenBucketLimiter(ClientOf(http), _ => Bucket(options)));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                        detail: $"this client made more than {options.RateLimitPerSecond} requests per second (burst {options.EffectiveBurst}); retry after {seconds} s")
                    .ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
        });

        // Finished analyses are forgotten after the retention: with the idle orchestrators' deactivation this bounds memory.
        builder.Services.Configure<OrleansRca.Grains.Workflows.AnalysisLifetimeOptions>(lifetime =>
        {
            lifetime.Retention = options.Retention;
            lifetime.DatasetCacheBytes = options.DatasetCacheBytes;
        });

        // Grain calls carry the caller's span, so one trace follows an analysis from the HTTP request over its grains.
        builder.UseOrleans(silo => silo.AddActivityPropagation());
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleans-rca"))
            .WithMetrics(metrics =>
            {
                // System.Runtime: the GC heap and working set beside the process' own figures, to tell live data from lazy collection.
                metrics.AddMeter("Microsoft.Orleans", RcaMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting", "System.Runtime");
                metrics.AddPrometheusExporter();
                if (otlp) metrics.AddOtlpExporter();
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(RcaTracing.SourceName, "Microsoft.AspNetCore", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application");
                // A caller's sampling decision is kept; new traces are sampled at the configured share.
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampling)));
                if (otlp) tracing.AddOtlpExporter();
            });
        return builder;
    }

    /// <summary>The middleware and endpoints of <see cref="AddRcaService"/>; before the API's endpoints are mapped.</summary>
    public static WebApplication UseRcaService(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<ServiceOptions>();
        if (options.ApiKey is { } key)
        {
            var expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));
            app.Use(async (http, next) =>
            {
                if (http.Request.Path.StartsWithSegments("/v1") && !Authorized(http.Request, expected))
                {
                    http.Response.Headers.WWWAuthenticate = "Bearer";
                    await TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                            detail: "this server needs an API key: send the header 'Authorization: Bearer KEY'")
                        .ExecuteAsync(http).ConfigureAwait(false);
                    return;
                }
                await next(http).ConfigureAwait(false);
            });
        }
        app.UseRateLimiter();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapScalarApiReference("/scalar", scalar => scalar.WithTitle("OrleansRca API"));
        return app;
    }

    /// <summary>Constant time whatever the presented key: both sides are hashed to 32 bytes first, so even its length does not show.</summary>
    private static bool Authorized(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }

    /// <summary>A client is its remote address (behind a proxy, configure forwarded headers so this is the caller's).</summary>
    private static string ClientOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static TokenBucketRateLimiterOptions Bucket(ServiceOptions options)
    {
        // Refill ten times a second when the rate allows it, so a client is not held for a whole second.
        var (period, tokens) = options.RateLimitPerSecond >= 10
            ? (TimeSpan.FromMilliseconds(100), options.RateLimitPerSecond / 10)
            : (TimeSpan.FromSeconds(1.0 / options.RateLimitPerSecond), 1);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.EffectiveBurst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
