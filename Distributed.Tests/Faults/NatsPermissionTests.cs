using System.Collections.Concurrent;
using Distributed.Contracts;
using Distributed.Messaging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Distributed.Tests.Faults;

/// <summary>
/// Each NATS identity against a real nats-server with the AppHost's configuration, used as an
/// attacker holding it would, through a raw client: what its pattern needs works, and what it does
/// not need is refused with a permissions violation — above all, no service may create or update a
/// stream or consumer (the provisioner owns the topology), and no responder publishes to a reply
/// subject its asker chose. (That every service really works with only these rights is what every
/// AppHost test shows.)
/// </summary>
public sealed class NatsPermissionTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);
    private StandaloneNats _nats = null!;

    public async Task InitializeAsync()
    {
        _nats = await StandaloneNats.StartAsync(experiments: false);
        // The whole topology, as the provisioning step declares it with its own identity (a right it lacked would time the declaration out).
        await _nats.ProvisionAsync();
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("processor")]
    [InlineData("enricher")]
    [InlineData("aggregator")]
    public async Task No_service_may_create_or_update_a_stream(string service)
    {
        await using var connection = Watched(_nats.ConnectAs(NatsIdentities.ForService(service)), out var violations);
        var jetStream = new NatsJSContext(connection);
        // Every stream and the bucket, at once: sealed (for good), or created anew with another definition.
        await Task.WhenAll(NatsIdentities.Provisioner.Streams.SelectMany(stream =>
        {
            var sealedStream = new StreamConfig(stream, [stream == IdempotencyBucket.Stream ? IdempotencyBucket.SubjectPrefix + ">" : "x.>"]) { Sealed = true };
            return new[]
            {
                AssertRefusedAsync(violations, "Publish", $"$JS.API.STREAM.UPDATE.{stream}", async Task () => await jetStream.UpdateStreamAsync(sealedStream)),
                AssertRefusedAsync(violations, "Publish", $"$JS.API.STREAM.CREATE.{stream}", async Task () => await jetStream.CreateStreamAsync(sealedStream with { Sealed = false })),
            };
        }));

        await using var admin = _nats.ConnectAsOperator();
        foreach (var stream in NatsIdentities.Provisioner.Streams)
        {
            Assert.False((await new NatsJSContext(admin).GetStreamAsync(stream)).Info.Config.Sealed);
        }
    }

    [Theory]
    [InlineData("$JS.API.STREAM.DELETE.DEADLETTER")]
    [InlineData("$JS.API.STREAM.PURGE.TASKS")]
    [InlineData("$KV.IDEMPOTENCY.planted")]
    [InlineData("tasks.planted")]
    public async Task The_enricher_cannot_be_made_to_publish_to_a_reply_subject_its_asker_chose(string target)
    {
        await using var enricher = Watched(_nats.ConnectAs(NatsIdentities.Enricher), out var enricherViolations);
        await using var processor = _nats.ConnectAs(NatsIdentities.Processor);
        await using var admin = _nats.ConnectAsOperator();
        var jetStream = new NatsJSContext(admin);
        var tasksBefore = (await jetStream.GetStreamAsync(JetStreamNames.TasksStream)).Info.State.Messages;

        // The enricher answers whatever reply subject the request carries, with an empty body: exactly
        // the request a JetStream API subject needs.
        var served = await AnswerOnceAsync(enricher, Subjects.EnrichRequest, JetStreamNames.EnricherQueueGroup, []);
        await processor.PublishAsync(Subjects.EnrichRequest, Array.Empty<byte>(), replyTo: target);
        await served;

        await Integration.Eventually.MatchAsync(() => Task.FromResult(string.Join(" | ", enricherViolations)),
            seen => seen.Contains($"Permissions Violation for Publish to \"{target}\"", StringComparison.OrdinalIgnoreCase), Deadline, "the enricher's reply refused");
        Assert.True(await StreamExistsAsync(JetStreamNames.DeadLetterStream));
        Assert.Equal(tasksBefore, (await jetStream.GetStreamAsync(JetStreamNames.TasksStream)).Info.State.Messages);
        var bucket = await new NATS.Client.KeyValueStore.NatsKVContext(jetStream).GetStoreAsync(IdempotencyBucket.Name);
        Assert.False((await bucket.TryGetEntryAsync<byte[]>("planted")).Success);
    }

    public async Task DisposeAsync() => await _nats.DisposeAsync();

    [Fact]
    public async Task The_gateway_publishes_tasks_and_keeps_its_bucket_and_nothing_else()
    {
        await using var gateway = Watched(_nats.ConnectAs(NatsIdentities.Gateway), out var violations);
        var jetStream = new NatsJSContext(gateway);

        await AllowedAsync(violations, async () =>
        {
            await jetStream.GetStreamAsync(JetStreamNames.TasksStream);
            var ack = await jetStream.PublishAsync(Subjects.Task("compute"), "{}"u8.ToArray(), opts: new NatsJSPubOpts { MsgId = Guid.NewGuid().ToString() });
            ack.EnsureSuccess();
            var bucket = await new NatsKVContext(jetStream).GetStoreAsync(IdempotencyBucket.Name);
            await bucket.CreateAsync("key", "fingerprint");
            Assert.Equal("fingerprint", (await bucket.GetEntryAsync<string>("key")).Value);
        });

        // Forged results, the experiments' switches, deleting the task stream, reading the tasks.
        await AssertRefusedAsync(violations, "Publish", "results.compute", () => gateway.PublishAsync("results.compute", "{}"u8.ToArray()));
        await AssertRefusedAsync(violations, "Publish", ControlSubjects.ProcessorIntake, () => gateway.PublishAsync(ControlSubjects.ProcessorIntake, "{}"u8.ToArray()));
        await AssertRefusedAsync(violations, "Publish", "$JS.API.STREAM.DELETE.TASKS", async Task () => await jetStream.DeleteStreamAsync(JetStreamNames.TasksStream));
        await AssertRefusedAsync(violations, "Subscription", "tasks.>", () => SubscribeOnceAsync(gateway, "tasks.>"));
        Assert.True(await StreamExistsAsync(JetStreamNames.TasksStream));
    }

    [Fact]
    public async Task The_processor_pulls_tasks_asks_the_enricher_and_publishes_results_and_nothing_else()
    {
        await using var processor = Watched(_nats.ConnectAs(NatsIdentities.Processor), out var violations);
        await using var enricher = Watched(_nats.ConnectAs(NatsIdentities.Enricher), out var enricherViolations);
        await using var admin = _nats.ConnectAsOperator();
        var jetStream = new NatsJSContext(processor);
        await new NatsJSContext(admin).PublishAsync(Subjects.Task("compute"), "{}"u8.ToArray(), opts: new NatsJSPubOpts { MsgId = Guid.NewGuid().ToString() });

        // Its consumer: read, pull, ack.
        var consumer = await jetStream.GetConsumerAsync(JetStreamNames.TasksStream, JetStreamNames.ProcessorsConsumer);
        await consumer.RefreshAsync();
        INatsJSMsg<byte[]>? task = null;
        await foreach (var msg in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 1, Expires = TimeSpan.FromSeconds(2) }))
        {
            task = msg;
        }

        Assert.NotNull(task);
        await task.AckAsync();

        // Request-reply with the enricher, each on its own identity.
        var served = await AnswerOnceAsync(enricher, Subjects.EnrichRequest, JetStreamNames.EnricherQueueGroup, "enriched"u8.ToArray());
        var reply = await processor.RequestAsync<byte[], byte[]>(Subjects.EnrichRequest, "{}"u8.ToArray());
        Assert.Equal("enriched"u8.ToArray(), reply.Data);
        await served;

        (await jetStream.PublishAsync(Subjects.Result("compute"), "{}"u8.ToArray(), opts: new NatsJSPubOpts { MsgId = Guid.NewGuid().ToString() })).EnsureSuccess();
        (await jetStream.PublishAsync(Subjects.DeadLetter("processor"), "{}"u8.ToArray())).EnsureSuccess();
        Assert.Empty(violations);
        Assert.Empty(enricherViolations);

        // Another consumer's messages, the other stage's dead letters, tasks without JetStream, purging,
        // changing its own consumer (its delivery limit, its ack wait).
        await AssertRefusedAsync(violations, "Publish", "$JS.API.CONSUMER.CREATE.TASKS.processors",
            () => jetStream.CreateOrUpdateConsumerAsync(JetStreamNames.TasksStream, PipelineTopology.Processors(TimeSpan.FromHours(1), 1000)).AsTask());
        await AssertRefusedAsync(violations, "Publish", "$JS.API.CONSUMER.MSG.NEXT.RESULTS.aggregator",
            () => processor.PublishAsync("$JS.API.CONSUMER.MSG.NEXT.RESULTS.aggregator", "{\"batch\":1}"u8.ToArray()));
        await AssertRefusedAsync(violations, "Publish", "deadletter.aggregator", () => processor.PublishAsync("deadletter.aggregator", "{}"u8.ToArray()));
        await AssertRefusedAsync(violations, "Publish", "tasks.compute", () => processor.PublishAsync("tasks.compute", "{}"u8.ToArray()));
        await AssertRefusedAsync(violations, "Publish", "$JS.API.STREAM.PURGE.TASKS", async Task () => await jetStream.PurgeStreamAsync(JetStreamNames.TasksStream, new StreamPurgeRequest()));
        // With experiments off, the pause switch is not its to hear.
        await AssertRefusedAsync(violations, "Subscription", ControlSubjects.ProcessorIntake, () => SubscribeOnceAsync(processor, ControlSubjects.ProcessorIntake));
    }

    [Fact]
    public async Task The_enricher_serves_requests_and_can_neither_pull_tasks_nor_publish()
    {
        await using var enricher = Watched(_nats.ConnectAs(NatsIdentities.Enricher), out var violations);

        await AssertRefusedAsync(violations, "Publish", "$JS.API.CONSUMER.MSG.NEXT.TASKS.processors",
            () => enricher.PublishAsync("$JS.API.CONSUMER.MSG.NEXT.TASKS.processors", "{\"batch\":1}"u8.ToArray()));
        await AssertRefusedAsync(violations, "Publish", "results.compute", () => enricher.PublishAsync("results.compute", "{}"u8.ToArray()));
        await AssertRefusedAsync(violations, "Subscription", "_INBOX_processor.>", () => SubscribeOnceAsync(enricher, "_INBOX_processor.>"));
        await AssertRefusedAsync(violations, "Subscription", ControlSubjects.EnricherFaults, () => SubscribeOnceAsync(enricher, ControlSubjects.EnricherFaults));
    }

    [Fact]
    public async Task The_aggregator_pulls_results_and_can_publish_only_its_dead_letters()
    {
        await using var aggregator = Watched(_nats.ConnectAs(NatsIdentities.Aggregator), out var violations);
        var jetStream = new NatsJSContext(aggregator);
        var consumer = await jetStream.GetConsumerAsync(JetStreamNames.ResultsStream, JetStreamNames.AggregatorConsumer);
        await consumer.RefreshAsync();
        (await jetStream.PublishAsync(Subjects.DeadLetter("aggregator"), "{}"u8.ToArray())).EnsureSuccess();
        Assert.Empty(violations);

        await AssertRefusedAsync(violations, "Publish", "results.compute", () => aggregator.PublishAsync("results.compute", "{}"u8.ToArray()));
        await AssertRefusedAsync(violations, "Publish", "$JS.API.CONSUMER.CREATE.TASKS.processors",
            () => jetStream.CreateOrUpdateConsumerAsync(JetStreamNames.TasksStream, PipelineTopology.Processors(TimeSpan.FromSeconds(10), 20)).AsTask());
        await AssertRefusedAsync(violations, "Publish", "$JS.API.STREAM.DELETE.RESULTS", async Task () => await jetStream.DeleteStreamAsync(JetStreamNames.ResultsStream));
    }

    [Fact]
    public async Task With_experiments_on_the_services_hear_their_control_subjects_only()
    {
        await using var nats = await StandaloneNats.StartAsync(experiments: true);
        await using var processor = Watched(nats.ConnectAs(NatsIdentities.Processor), out var violations);
        await using var admin = nats.ConnectAsOperator();

        var answered = await AnswerOnceAsync(processor, ControlSubjects.ProcessorIntake, null, "state"u8.ToArray());
        var reply = await admin.RequestAsync<byte[], byte[]>(ControlSubjects.ProcessorIntake, "{}"u8.ToArray());
        Assert.Equal("state"u8.ToArray(), reply.Data);
        await answered;
        Assert.Empty(violations);

        await AssertRefusedAsync(violations, "Subscription", ControlSubjects.EnricherFaults, () => SubscribeOnceAsync(processor, ControlSubjects.EnricherFaults));
    }

    /// <summary>Collects the server's permission errors on this connection.</summary>
    private static NatsConnection Watched(NatsConnection connection, out ConcurrentQueue<string> violations)
    {
        var seen = new ConcurrentQueue<string>();
        connection.ServerError += (_, args) =>
        {
            if (args.Error.Contains("Permissions Violation", StringComparison.OrdinalIgnoreCase))
            {
                seen.Enqueue(args.Error);
            }

            return ValueTask.CompletedTask;
        };
        violations = seen;
        return connection;
    }

    /// <summary>Runs what the identity's pattern needs: it must work, and the server must refuse none of it.</summary>
    private static async Task AllowedAsync(ConcurrentQueue<string> violations, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{ex.GetType().Name}: {ex.Message}; the server said: {string.Join(" | ", violations)}");
        }

        Assert.Empty(violations);
    }

    /// <summary>Tries the action (which may throw or time out: nothing answers a refused request) and waits for the server's violation.</summary>
    private static async Task AssertRefusedAsync(ConcurrentQueue<string> violations, string kind, string subject, Func<Task> action)
    {
        try
        {
            await action().WaitAsync(Deadline);
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException)
        {
            // A refused request is never answered.
        }

        var expected = $"Permissions Violation for {kind} to \"{subject}\"";
        await Integration.Eventually.MatchAsync(
            () => Task.FromResult(string.Join(" | ", violations)),
            seen => seen.Contains(expected, StringComparison.OrdinalIgnoreCase),
            Deadline,
            expected);
    }

    private static Task AssertRefusedAsync(ConcurrentQueue<string> violations, string kind, string subject, Func<ValueTask> action) =>
        AssertRefusedAsync(violations, kind, subject, () => action().AsTask());

    private static async Task SubscribeOnceAsync(NatsConnection connection, string subject)
    {
        await using var subscription = await connection.SubscribeCoreAsync<byte[]>(subject);
        await connection.PingAsync();
    }

    private async Task<bool> StreamExistsAsync(string stream)
    {
        await using var admin = _nats.ConnectAsOperator();
        try
        {
            await new NatsJSContext(admin).GetStreamAsync(stream);
            return true;
        }
        catch (NatsJSApiException)
        {
            return false;
        }
    }

    /// <summary>
    /// Subscribes, makes sure the server has the subscription (a ping answered after it), and answers
    /// the first request in the background: the task ends once it has replied.
    /// </summary>
    private static async Task<Task> AnswerOnceAsync(NatsConnection connection, string subject, string? queueGroup, byte[] answer)
    {
        var subscription = await connection.SubscribeCoreAsync<byte[]>(subject, queueGroup);
        await connection.PingAsync();
        return Task.Run(async () =>
        {
            await using (subscription)
            {
                using var deadline = new CancellationTokenSource(Deadline);
                var request = await subscription.Msgs.ReadAsync(deadline.Token);
                await request.ReplyAsync(answer);
            }
        });
    }
}
