using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Tests.Faults;

/// <summary>
/// A stream NATS already holds with another definition cannot be fixed by retrying: the topology's
/// owner says so in /health and the log, once, instead of looping. Against a real nats-server of its own.
/// </summary>
public sealed class TopologyConflictTests : IAsyncLifetime
{
    private StandaloneNats _nats = null!;

    public async Task InitializeAsync() => _nats = await StandaloneNats.StartAsync();

    [Fact]
    public async Task A_conflicting_stream_is_reported_in_health_and_not_retried_in_a_loop()
    {
        await using var connection = _nats.ConnectAsOperator();
        var jetStream = new NatsJSContext(connection);
        // Someone created TASKS by hand with retention the work queue cannot be changed to.
        await jetStream.CreateStreamAsync(new StreamConfig(JetStreamNames.TasksStream, [Subjects.TasksPrefix + ">"]) { Retention = StreamConfigRetention.Interest });

        await using var provisioner = _nats.ConnectAs(NatsIdentities.Provisioner);
        var topology = new JetStreamProvisioner(provisioner, new NatsJSContext(provisioner), Microsoft.Extensions.Options.Options.Create(new StreamLimits()),
            Microsoft.Extensions.Options.Options.Create(new TopologySettings()),
            NatsIdentities.Provisioner, new NatsEndpointDescription($"nats://127.0.0.1:{_nats.Port}"), NullLogger<JetStreamProvisioner>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await topology.StartAsync(stop.Token);
        // ExecuteAsync finishes on a conflict rather than retrying until the service stops.
        await topology.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.NotNull(topology.Conflict);
        Assert.Contains("NATS refused the JetStream topology", topology.Conflict, StringComparison.Ordinal);
        var health = await new NatsHealthCheck(provisioner, topology, new NatsEndpointDescription("nats://test")).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal(topology.Conflict, health.Description);

        // Once the operator removes the conflict, the next provisioning (a reconnect, or a consumer's recovery) succeeds.
        await jetStream.DeleteStreamAsync(JetStreamNames.TasksStream);
        await topology.RecoverAsync(new NatsJSException("stream missing"), stop.Token);
        Assert.Null(topology.Conflict);
        Assert.True(topology.IsReady);
        await topology.StopAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _nats.DisposeAsync();
}
