using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.ServiceDefaults.Messaging;

public static class NatsServiceCollectionExtensions
{
    /// <summary>
    /// One NATS connection per service. It retries the first connect as well as later ones, so a
    /// service started before NATS waits for it instead of crashing.
    /// </summary>
    public static IHostApplicationBuilder AddNats(this IHostApplicationBuilder builder)
    {
        var url = NatsUrl.Resolve(builder.Configuration);
        var (bareUrl, user, password) = NatsUrl.SplitCredentials(url);
        builder.Services.AddSingleton(provider =>
        {
            var opts = NatsOpts.Default with
            {
                Url = bareUrl,
                AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password },
                Name = builder.Environment.ApplicationName,
                LoggerFactory = provider.GetRequiredService<ILoggerFactory>(),
                RetryOnInitialConnect = true,
                MaxReconnectRetry = -1,
                ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
                ReconnectWaitMax = TimeSpan.FromSeconds(1),
                // Publishes made while disconnected wait here; keep that bounded so callers see failure.
                CommandTimeout = TimeSpan.FromSeconds(5),
                RequestTimeout = TimeSpan.FromSeconds(5),
            };
            return new NatsConnection(opts);
        });
        builder.Services.AddSingleton<INatsConnection>(provider => provider.GetRequiredService<NatsConnection>());
        builder.Services.AddSingleton<INatsJSContext>(provider => new NatsJSContext(provider.GetRequiredService<NatsConnection>()));
        builder.Services.AddSingleton(new StreamLimits(builder.Configuration));
        builder.Services.AddSingleton<JetStreamTopology>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<JetStreamTopology>());
        builder.Services.AddSingleton<DeadLetterPublisher>();
        builder.Services.AddHealthChecks().AddCheck<NatsHealthCheck>("nats");
        builder.Services.AddSingleton(new NatsEndpointDescription(NatsUrl.Redact(url)));
        return builder;
    }
}

/// <summary>The NATS address with its password masked, for logs and health reports.</summary>
public sealed record NatsEndpointDescription(string RedactedUrl);
