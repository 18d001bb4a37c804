using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;

namespace Distributed.Tests.Faults;

/// <summary>
/// Every part starting at the same moment against an empty NATS, as a fresh deployment does: the
/// topology's owner declares, the services wait for what they use. When every service declared the
/// streams itself, identical STREAM.CREATEs arriving at once made nats-server 2.9 leak a stream's
/// reserved bytes, and a start failed with "insufficient storage resources" (10047) in one of four to
/// ten. With one declarer there is no such race; this starts the whole set fifty times over to show it.
/// </summary>
public sealed class TopologyStartTests
{
    private const int Starts = 50;

    [Fact]
    public async Task Fifty_simultaneous_starts_on_an_empty_nats_are_all_ready_without_10047()
    {
        for (var start = 0; start < Starts; start++)
        {
            await using var nats = await StandaloneNats.StartAsync();
            NatsIdentity[] identities = [NatsIdentities.Provisioner, .. NatsIdentities.Services];
            var connections = identities.Select(nats.ConnectAs).ToList();
            try
            {
                var parts = connections.Select(connection => Provisioner(connection, nats.Port)).ToList();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await Task.WhenAll(parts.Select(part => part.StartAsync(deadline.Token)));
                var processors = parts[2].EnsureConsumerAsync(JetStreamNames.TasksStream, PipelineTopology.Processors(TimeSpan.FromSeconds(10), DeliveryLimit.Default), deadline.Token);
                var aggregator = parts[4].EnsureConsumerAsync(JetStreamNames.ResultsStream, PipelineTopology.Aggregator(DeliveryLimit.Default), deadline.Token);
                try
                {
                    await Task.WhenAll(parts.Select(part => part.WaitUntilReadyAsync(deadline.Token)).Append(processors).Append(aggregator));
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"start {start + 1}: not every part ready in 30 s; refused: {string.Join(" | ", parts.Select(part => part.Conflict).OfType<string>())}");
                }

                Assert.All(parts, part => Assert.Null(part.Conflict));
                Assert.True(await parts[0].IsInPlaceAsync(deadline.Token), $"start {start + 1}: the topology is not whole");
                foreach (var part in parts)
                {
                    await part.StopAsync(CancellationToken.None);
                }
            }
            finally
            {
                foreach (var connection in connections)
                {
                    await connection.DisposeAsync();
                }
            }

            Assert.DoesNotContain("10047", nats.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("insufficient storage", nats.Log, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static JetStreamProvisioner Provisioner(NATS.Client.Core.NatsConnection connection, int port) =>
        new(connection, new NatsJSContext(connection),
            Microsoft.Extensions.Options.Options.Create(new StreamLimits()), Microsoft.Extensions.Options.Options.Create(new TopologySettings()),
            NatsIdentities.All.Single(identity => identity.User == connection.Opts.AuthOpts.Username),
            new NatsEndpointDescription($"nats://127.0.0.1:{port}"), NullLogger<JetStreamProvisioner>.Instance);
}
