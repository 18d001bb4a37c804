using Microsoft.Extensions.Diagnostics.HealthChecks;
using NATS.Client.Core;

namespace Distributed.AppHost.Infrastructure;

/// <summary>Healthy once a client can log in to NATS and get a PONG back.</summary>
public sealed class NatsConnectsHealthCheck(IResourceWithConnectionString nats) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var url = await nats.ConnectionStringExpression.GetValueAsync(cancellationToken);
        if (string.IsNullOrEmpty(url))
        {
            return HealthCheckResult.Unhealthy("NATS connection string not available yet");
        }

        try
        {
            await using var connection = new NatsConnection(NatsOpts.Default with
            {
                Url = url,
                Name = "apphost-health",
                ConnectTimeout = TimeSpan.FromSeconds(2),
            });
            await connection.ConnectAsync();
            await connection.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("NATS does not accept connections yet", ex);
        }
    }
}
