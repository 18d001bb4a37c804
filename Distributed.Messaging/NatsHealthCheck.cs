using Microsoft.Extensions.Diagnostics.HealthChecks;
using NATS.Client.Core;

namespace Distributed.Messaging;

/// <summary>Healthy when the connection is open and the JetStream streams exist.</summary>
public sealed class NatsHealthCheck(NatsConnection connection, JetStreamProvisioner provisioner, NatsEndpointDescription endpoint) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (connection.ConnectionState != NatsConnectionState.Open)
        {
            return HealthCheckResult.Unhealthy($"NATS at {endpoint.RedactedUrl} is {connection.ConnectionState}");
        }

        if (provisioner.Conflict is { } conflict)
        {
            return HealthCheckResult.Unhealthy(conflict);
        }

        if (!provisioner.IsReady)
        {
            return HealthCheckResult.Unhealthy("JetStream streams are not set up yet");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var rtt = await connection.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy($"NATS round trip {rtt.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex) when (ex is OperationCanceledException or NatsException)
        {
            return HealthCheckResult.Unhealthy("NATS did not answer a ping", ex);
        }
    }
}
