using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Distributed.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// The pipeline's messaging: one NATS connection per service, the JetStream topology, dead
    /// letters, the pipeline's metrics and spans, and a health check. The connection retries the
    /// first connect as well as later ones, so a service started before NATS waits for it. The
    /// service connects as <paramref name="identity"/> (the user in its connection string), uses that
    /// identity's inbox prefix and declares only the streams that identity may.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, NatsIdentity identity)
    {
        var url = NatsUrl.Resolve(builder.Configuration);
        var (bareUrl, user, password) = NatsUrl.SplitCredentials(url);
        builder.Services.AddSingleton(provider => new NatsConnection(NatsOpts.Default with
        {
            Url = bareUrl,
            AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password },
            TlsOpts = NatsUrl.TlsOptions(builder.Configuration),
            Name = builder.Environment.ApplicationName,
            InboxPrefix = identity.InboxPrefix,
            LoggerFactory = provider.GetRequiredService<ILoggerFactory>(),
            RetryOnInitialConnect = true,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
            ReconnectWaitMax = TimeSpan.FromSeconds(1),
            // A link that goes silent (a cut cable, a paused server) is noticed by its missing pongs
            // within (MaxPingOut + 1) × PingInterval = 15 s and replaced by a new connection, instead
            // of waiting out TCP's retransmission backoff, which after a 30 s cut left the gateway
            // refusing tasks for another 22 s.
            PingInterval = TimeSpan.FromSeconds(5),
            MaxPingOut = 2,
            // Publishes made while disconnected wait here; keep that bounded so callers see failure.
            CommandTimeout = TimeSpan.FromSeconds(5),
            RequestTimeout = TimeSpan.FromSeconds(5),
        }));
        builder.Services.AddSingleton<INatsConnection>(provider => provider.GetRequiredService<NatsConnection>());
        builder.Services.AddSingleton<INatsJSContext>(provider => new NatsJSContext(provider.GetRequiredService<NatsConnection>()));
        builder.Services.AddSingleton(new NatsEndpointDescription(NatsUrl.Redact(url)));
        builder.Services.AddSingleton(identity);

        builder.Services.AddSettings<StreamLimits>(builder.Configuration);
        builder.Services.AddSettings<TopologySettings>(builder.Configuration);
        builder.Services.AddSingleton<JetStreamProvisioner>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<JetStreamProvisioner>());
        builder.Services.AddSingleton<DeadLetterPublisher>();
        builder.Services.AddSingleton<ConsumeLoop>();
        builder.Services.AddSingleton<PipelineMetrics>();
        builder.Services.AddHealthChecks().AddCheck<NatsHealthCheck>("nats");

        // NATS.Net's own instrumentation is left out on purpose: the pipeline's spans and counters
        // say what happens to a task, while the client's added a span per delivery, ack and inbox
        // reply (20 per task where the pipeline's own make 7) and counters that repeat ours.
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(PipelineMetrics.MeterName));
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(PipelineTracing.SourceName));
        return builder;
    }

    /// <summary>Gauges of a durable consumer's backlog, for a service that consumes one.</summary>
    public static IServiceCollection AddConsumerBacklogMetrics(this IServiceCollection services, string stream, string consumer) =>
        services.AddHostedService(provider => ActivatorUtilities.CreateInstance<ConsumerBacklogMetrics>(provider, stream, consumer));
}

/// <summary>The NATS address with its password masked, for logs and health reports.</summary>
public sealed record NatsEndpointDescription(string RedactedUrl);
