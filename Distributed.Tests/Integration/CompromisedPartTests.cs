using Distributed.DeadLetters;
using System.Net;
using System.Text;
using Distributed.Contracts;
using Distributed.Messaging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Distributed.Tests.Integration;

/// <summary>
/// The running topology, attacked as a compromised part would attack it: a raw NATS client with the
/// credentials that service's own process holds. None of it may change the topology, make another
/// identity act for it, or plant work the operator then runs; and what an attacker (or an accident)
/// removes from the topology is declared again by its one owner within seconds.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class CompromisedPartTests(AppHostFixture topology)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_enricher_asked_to_reply_to_a_jetstream_api_subject_publishes_nothing_there()
    {
        await using var processor = await ConnectAsync(NatsIdentities.Processor);
        await using var admin = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var jetStream = new NatsJSContext(admin);
        var bucket = await new NatsKVContext(jetStream).GetStoreAsync(IdempotencyBucket.Name);
        var key = "planted" + Guid.NewGuid().ToString("N");

        // An empty request: the enricher's error answer is an empty body, exactly what these API calls take.
        await processor.PublishAsync(Subjects.EnrichRequest, Array.Empty<byte>(), replyTo: "$JS.API.STREAM.DELETE." + JetStreamNames.DeadLetterStream);
        await processor.PublishAsync(Subjects.EnrichRequest, Array.Empty<byte>(), replyTo: IdempotencyBucket.SubjectPrefix + key);
        // A request after them, answered on the processor's own inbox: the enricher has taken the two before it.
        var body = Encoding.UTF8.GetBytes($$"""{"request_id":"{{Guid.NewGuid()}}","task_type":"t","data":null}""");
        var reply = await processor.RequestAsync<byte[], byte[]>(Subjects.EnrichRequest, body, replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(5) });
        Assert.NotNull(reply.Data);

        Assert.Equal(JetStreamNames.DeadLetterStream, (await jetStream.GetStreamAsync(JetStreamNames.DeadLetterStream)).Info.Config.Name);
        Assert.False((await bucket.TryGetEntryAsync<byte[]>(key)).Success);
    }

    [Fact]
    public async Task No_service_may_seal_update_or_create_a_stream_and_submissions_go_on()
    {
        await using var admin = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var attacks = new List<Task>();
        var connections = new List<NatsConnection>();
        try
        {
            foreach (var service in NatsIdentities.Services)
            {
                var connection = await ConnectAsync(service);
                connections.Add(connection);
                var jetStream = new NatsJSContext(connection);
                foreach (var stream in NatsIdentities.Provisioner.Streams)
                {
                    var existing = (await new NatsJSContext(admin).GetStreamAsync(stream)).Info.Config;
                    attacks.Add(Refused(jetStream.UpdateStreamAsync(existing with { Sealed = true, MaxAge = TimeSpan.FromMilliseconds(100) }).AsTask()));
                    attacks.Add(Refused(jetStream.CreateStreamAsync(existing with { Name = stream, Sealed = true }).AsTask()));
                }
            }

            await Task.WhenAll(attacks);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        foreach (var stream in NatsIdentities.Provisioner.Streams)
        {
            var config = (await new NatsJSContext(admin).GetStreamAsync(stream)).Info.Config;
            Assert.False(config.Sealed, $"{stream} was sealed");
            Assert.NotEqual(TimeSpan.FromMilliseconds(100), config.MaxAge);
        }

        var accepted = await topology.Gateway.SubmitAsync("after-attack", "1");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted.RequestId), row => row is not null, TimeSpan.FromSeconds(60), "the task stored");
    }

    [Fact]
    public async Task A_planted_dead_letter_with_a_foreign_original_subject_is_refused_on_replay_with_its_reason()
    {
        await using var processor = await ConnectAsync(NatsIdentities.Processor);
        await using var admin = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var jetStream = new NatsJSContext(admin);
        var bucket = await new NatsKVContext(jetStream).GetStoreAsync(IdempotencyBucket.Name);
        var key = "planted" + Guid.NewGuid().ToString("N");
        var headers = new NatsHeaders
        {
            [MessageHeaders.DeadLetterSubject] = IdempotencyBucket.SubjectPrefix + key,
            [MessageHeaders.DeadLetterReason] = "planted by a compromised processor",
        };
        var planted = await new NatsJSContext(processor).PublishAsync(Subjects.DeadLetter(DeadLetterStages.Processor), "x"u8.ToArray(), headers: headers);
        planted.EnsureSuccess();

        var archive = new DeadLetterArchive(jetStream);
        var outcome = await archive.ReplayAsync(DeadLetterStages.Processor, planted.Seq, CancellationToken.None);

        Assert.Equal(0, outcome.Replayed);
        var (sequence, reason) = Assert.Single(outcome.Refused);
        Assert.Equal(planted.Seq, sequence);
        Assert.Contains(IdempotencyBucket.SubjectPrefix + key, reason, StringComparison.Ordinal);
        Assert.Contains("tasks.", reason, StringComparison.Ordinal);
        Assert.False((await bucket.TryGetEntryAsync<byte[]>(key)).Success);
        // Refused, the letter stays for the operator to look at (and here, to remove).
        Assert.NotNull(await archive.GetAsync(planted.Seq, CancellationToken.None));
        await (await jetStream.GetStreamAsync(JetStreamNames.DeadLetterStream)).DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = planted.Seq });
    }

    [Fact]
    public async Task A_deleted_stream_and_consumer_are_declared_again_within_seconds_and_tasks_after_are_stored()
    {
        await using var admin = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var jetStream = new NatsJSContext(admin);
        await jetStream.DeleteConsumerAsync(JetStreamNames.ResultsStream, JetStreamNames.AggregatorConsumer);
        await jetStream.DeleteStreamAsync(JetStreamNames.TasksStream);

        await Eventually.MatchAsync(async () => await ExistsAsync(() => jetStream.GetStreamAsync(JetStreamNames.TasksStream).AsTask())
                && await ExistsAsync(() => jetStream.GetConsumerAsync(JetStreamNames.TasksStream, JetStreamNames.ProcessorsConsumer).AsTask())
                && await ExistsAsync(() => jetStream.GetConsumerAsync(JetStreamNames.ResultsStream, JetStreamNames.AggregatorConsumer).AsTask()),
            back => back, TimeSpan.FromSeconds(15), "TASKS and both consumers declared again");

        // Accepted after that, a task goes all the way: the processors and the aggregator pull from the new consumers.
        var accepted = await Eventually.MatchAsync(async () =>
        {
            using var content = new StringContent("""{"task_type":"redeclared","data":1}""", Encoding.UTF8, "application/json");
            using var response = await topology.Gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);
            return response.StatusCode == HttpStatusCode.Accepted
                ? System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetGuid()
                : (Guid?)null;
        }, id => id is not null, Deadline, "a 202 once TASKS is back");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted!.Value), row => row is not null, TimeSpan.FromSeconds(60), "the task stored");
    }

    private async Task<NatsConnection> ConnectAsync(NatsIdentity identity)
    {
        var (url, user, password) = NatsUrl.SplitCredentials(await topology.NatsUrlAsync(identity));
        var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = url,
            AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password },
            InboxPrefix = identity.InboxPrefix,
            RequestTimeout = TimeSpan.FromSeconds(2),
        });
        await connection.ConnectAsync();
        return connection;
    }

    /// <summary>A refused JetStream API call is never answered: it times out (or finds no responder), it never succeeds.</summary>
    private static async Task Refused(Task attack)
    {
        var failed = await Record.ExceptionAsync(() => attack);
        Assert.True(failed is (NatsException and not NatsJSApiException) or TimeoutException or OperationCanceledException, $"the call was not refused: {failed?.Message ?? "it succeeded"}");
    }

    private static async Task<bool> ExistsAsync(Func<Task> lookup)
    {
        try
        {
            await lookup();
            return true;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return false;
        }
    }
}
