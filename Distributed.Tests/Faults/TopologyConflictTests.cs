using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Tests.Faults;

/// <summary>
/// A stream NATS already holds with another definition cannot be fixed by retrying: the services
/// say so in /health and the log, once, instead of looping. Against a real nats-server of its own.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync")]
public sealed class TopologyConflictTests : IAsyncLifetime
{
    // Ports of its own, free at the time, so nothing else on the machine can answer in its place.
    private readonly int _port = FreePort();
    private readonly int _monitorPort = FreePort();
    private readonly string _directory = Directory.CreateTempSubdirectory("distributed-conflict").FullName;
    private ManagedProcess _nats = null!;

    public async Task InitializeAsync()
    {
        var config = Distributed.AppHost.Infrastructure.NatsServerConfig.Write(
            Path.Combine(_directory, "nats.conf"), $"127.0.0.1:{_port}", $"127.0.0.1:{_monitorPort}", Path.Combine(_directory, "js"));
        _nats = new ManagedProcess("nats-conflict", NatsServer(), ["-c", config],
            new Dictionary<string, string> { ["NATS_USER"] = "u", ["NATS_PASSWORD"] = "p" }, Path.Combine(_directory, "nats.log"));
        _nats.Start();
        try
        {
            await Integration.Eventually.MatchAsync(IsListeningAsync, listening => listening, TimeSpan.FromSeconds(30), "nats-server to start");
        }
        catch
        {
            // xunit does not dispose a test class whose set-up failed: stop the server here.
            await DisposeAsync();
            throw;
        }
    }

    private async Task<bool> IsListeningAsync()
    {
        try
        {
            await using var probe = Connect();
            await probe.ConnectAsync();
            return true;
        }
        catch (NatsException)
        {
            return false; // not listening yet
        }
    }

    [Fact]
    public async Task A_conflicting_stream_is_reported_in_health_and_not_retried_in_a_loop()
    {
        await using var connection = Connect();
        var jetStream = new NatsJSContext(connection);
        // Someone created TASKS by hand with retention the work queue cannot be changed to.
        await jetStream.CreateStreamAsync(new StreamConfig(JetStreamNames.TasksStream, [Subjects.TasksPrefix + ">"]) { Retention = StreamConfigRetention.Interest });

        var topology = new JetStreamProvisioner(connection, jetStream, Microsoft.Extensions.Options.Options.Create(new StreamLimits()),
            new NatsEndpointDescription($"nats://127.0.0.1:{_port}"), NullLogger<JetStreamProvisioner>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await topology.StartAsync(stop.Token);
        // ExecuteAsync finishes on a conflict rather than retrying until the service stops.
        await topology.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.NotNull(topology.Conflict);
        Assert.Contains("NATS refused the JetStream topology", topology.Conflict, StringComparison.Ordinal);
        var health = await new NatsHealthCheck(connection, topology, new NatsEndpointDescription("nats://test")).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal(topology.Conflict, health.Description);

        // Once the operator removes the conflict, the next provisioning (a reconnect, or a consumer's recovery) succeeds.
        await jetStream.DeleteStreamAsync(JetStreamNames.TasksStream);
        await topology.RecoverAsync(new NatsJSException("stream missing"), stop.Token);
        Assert.Null(topology.Conflict);
        Assert.True(topology.IsReady);
        await topology.StopAsync(CancellationToken.None);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private NatsConnection Connect() => new(NatsOpts.Default with
    {
        Url = $"nats://127.0.0.1:{_port}",
        AuthOpts = NatsAuthOpts.Default with { Username = "u", Password = "p" },
    });

    private static string NatsServer() =>
        Distributed.AppHost.Infrastructure.LocalExecutables.Find("nats-server") ?? throw new InvalidOperationException("nats-server is not installed");

    public async Task DisposeAsync()
    {
        await _nats.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
