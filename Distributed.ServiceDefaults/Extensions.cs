using Distributed.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http;
using Distributed.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Distributed service shares, as Aspire's service defaults mean it: telemetry (OTLP
/// traces, Prometheus metrics), health checks and the listen address. Messaging is
/// <c>AddMessaging()</c> in Distributed.Messaging.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";
    private const string MetricsEndpointPath = "/metrics";
    private const string LiveTag = "live";

    /// <summary>OpenTelemetry's standard variables this project relies on: where to export, and which traces to keep.</summary>
    public static readonly IReadOnlyList<string> TelemetryVariables = [OtlpEndpointVariable, "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", PlumbingFilter.VariableName];

    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(3);

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, ServiceAddress address)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureListenAddress(address);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<HttpMetrics>();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        // Aspire names each service through OTEL_SERVICE_NAME; a service started by hand is named after its project.
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : builder.Environment.ApplicationName;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(HttpMetrics.MeterName, "Npgsql")
                // A latency observed inside a kept trace carries that trace's id (an exemplar), so a
                // slow bucket on a chart leads to a slow task's trace. Unkept traces lead nowhere.
                .SetExemplarFilter(ExemplarFilterType.TraceBased)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes and scrapes would drown the task traces.
                    options.Filter = context => !IsInfrastructurePath(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource("Npgsql"));

        if (!string.Equals(builder.Configuration[PlumbingFilter.VariableName], "true", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new PlumbingFilter()));
        }
        else
        {
            // Only for whoever debugs NATS itself: the client's spans make a task's trace three times as long.
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(PlumbingFilter.NatsClientSource));
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointVariable]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }
        else if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_TRACES_SAMPLER"]))
        {
            // No exporter: a recorded span would go nowhere, so none is recorded. Spans are still
            // started, unrecorded, and the pipeline writes their trace context into every message,
            // so each row's trace_id is still its task's. OTEL_TRACES_SAMPLER set explicitly wins.
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.SetSampler(new ParentBasedSampler(new AlwaysOffSampler())));
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        // A dependency that does not answer must make /health say 503 quickly, not hang the probe.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations)
            {
                if (registration.Timeout == Timeout.InfiniteTimeSpan || registration.Timeout > HealthCheckTimeout)
                {
                    registration.Timeout = HealthCheckTimeout;
                }
            }
        });
        return builder;
    }

    /// <summary>
    /// Health, liveness and metrics are mapped in every environment: an operator's probes and
    /// Prometheus need them in production most of all.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        });
        var scrape = app.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        if (ListenAddressExtensions.MetricsPort(app.Configuration) is { } metricsPort)
        {
            // Only there: on the API's port /metrics is a 404.
            scrape.RequireHost($"*:{metricsPort}");
        }

        return app;
    }

    /// <summary>Counts every request, rejected ones included, under the original's metric names.</summary>
    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        app.UseMiddleware<HttpMetricsMiddleware>();
        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath)
        || path.StartsWithSegments(AlivenessEndpointPath)
        || path.StartsWithSegments(MetricsEndpointPath);
}
