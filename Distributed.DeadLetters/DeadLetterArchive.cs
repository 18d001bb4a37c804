using Distributed.Messaging;
using Distributed.Contracts;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.DeadLetters;

/// <summary>What a replay did: how many dead letters went back, and which were refused, each with its reason (they stay).</summary>
public sealed record ReplayOutcome(int Replayed, IReadOnlyList<(ulong Sequence, string Reason)> Refused);

/// <summary>One dead letter: where it came from, why it is here, and the message itself.</summary>
public sealed record DeadLetter(
    ulong Sequence, string Stage, string OriginalSubject, string Reason, ulong? Deliveries, DateTimeOffset At, NatsHeaders Headers, byte[] Payload);

/// <summary>
/// What an operator does with the dead letters: list them, show one, replay one or a stage's all to
/// the subject they came from once the cause is fixed, purge. Needs the operator's identity: no
/// service may read, delete or purge the DEADLETTER stream, nor publish on another's subjects.
/// A replay is a new delivery: the message goes through the whole pipeline again, is stored once
/// (its request id is its identity: PostgreSQL's unique request_id), and if it fails again it is
/// dead-lettered again with its new reason — a replay never loops by itself.
/// </summary>
public sealed class DeadLetterArchive(INatsJSContext jetStream)
{
    /// <summary>The dead letters of <paramref name="stage"/> (all stages when null), oldest first, at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string? stage, int max, CancellationToken cancellationToken)
    {
        var consumer = await jetStream.CreateOrderedConsumerAsync(JetStreamNames.DeadLetterStream,
            new NatsJSOrderedConsumerOpts { FilterSubjects = [stage is null ? Subjects.DeadLetterPrefix + ">" : Subjects.DeadLetter(stage)] }, cancellationToken);
        var letters = new List<DeadLetter>();
        await foreach (var msg in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = max }, cancellationToken: cancellationToken))
        {
            letters.Add(From(msg));
        }

        return letters;
    }

    public async Task<DeadLetter?> GetAsync(ulong sequence, CancellationToken cancellationToken)
    {
        // Read as a delivery from that sequence on, so the client parses the headers as for any message.
        var consumer = await jetStream.CreateOrderedConsumerAsync(JetStreamNames.DeadLetterStream, new NatsJSOrderedConsumerOpts
        {
            FilterSubjects = [Subjects.DeadLetterPrefix + ">"],
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = sequence,
        }, cancellationToken);
        await foreach (var msg in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 1 }, cancellationToken: cancellationToken))
        {
            // A deleted sequence leaves the next dead letter in its place.
            return msg.Metadata!.Value.Sequence.Stream == sequence ? From(msg) : null;
        }

        return null;
    }

    /// <summary>
    /// The headers a replay carries over: the trace context and the pipeline's own. A dead letter is
    /// written by a service, which a compromised one could fill with any header (an expected stream
    /// sequence, a message id): the operator's replay repeats none of those. The client stays with
    /// its task; the stage that wrote the letter could name any client in what it publishes or
    /// stores anyway, so carrying it gives that stage nothing it did not have.
    /// </summary>
    private static readonly HashSet<string> ReplayedHeaders =
        new([.. PipelineTracing.TraceContextHeaderNames, MessageHeaders.SubmittedAt, MessageHeaders.Client], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Publishes each dead letter (one by <paramref name="sequence"/>, or all of <paramref name="stage"/>)
    /// on its original subject, then deletes it from the dead letters. The subject must be one its stage
    /// consumes (<see cref="ReplaySubjectProblem"/>): a dead letter is written by a service, and a replay
    /// runs with the operator's rights, so a letter naming any other subject (a JetStream API call,
    /// another service's control subject) is refused with its reason, and stays.
    /// </summary>
    public async Task<ReplayOutcome> ReplayAsync(string stage, ulong? sequence, CancellationToken cancellationToken)
    {
        var letters = sequence is { } one
            ? (await GetAsync(one, cancellationToken) is { } found && found.Stage == stage ? [found] : [])
            : await ListAsync(stage, PipelineTopology.DeadLetterMaxMessages, cancellationToken);
        var stream = await jetStream.GetStreamAsync(JetStreamNames.DeadLetterStream, cancellationToken: cancellationToken);
        var refused = new List<(ulong, string)>();
        var replayed = 0;
        foreach (var letter in letters)
        {
            if (ReplaySubjectProblem(stage, letter.OriginalSubject) is { } problem)
            {
                refused.Add((letter.Sequence, problem));
                continue;
            }

            var headers = new NatsHeaders();
            foreach (var (name, value) in letter.Headers)
            {
                if (ReplayedHeaders.Contains(name))
                {
                    headers[name] = value;
                }
            }

            headers[MessageHeaders.ReplayedFrom] = letter.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // No message id: within the stream's duplicate window the first publish's id would make
            // JetStream drop the replay. Stored once all the same: by the request id in PostgreSQL.
            var ack = await jetStream.PublishAsync(letter.OriginalSubject, letter.Payload, headers: headers, cancellationToken: cancellationToken);
            ack.EnsureSuccess();
            await stream.DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = letter.Sequence }, cancellationToken);
            replayed++;
        }

        return new ReplayOutcome(replayed, refused);
    }

    /// <summary>
    /// Why a dead letter of <paramref name="stage"/> may not be replayed to <paramref name="subject"/>,
    /// or null when it may: the processor's letters go back to <c>tasks.&lt;type&gt;</c>, the aggregator's
    /// to <c>results.&lt;type&gt;</c>, with a type as the gateway accepts one (one token, no wildcard).
    /// </summary>
    public static string? ReplaySubjectProblem(string stage, string subject)
    {
        var prefix = stage switch
        {
            DeadLetterStages.Processor => Subjects.TasksPrefix,
            DeadLetterStages.Aggregator => Subjects.ResultsPrefix,
            _ => null,
        };
        if (prefix is null)
        {
            return $"deadletter.{stage} is no stage of the pipeline; nothing is replayed from it";
        }

        var type = subject.StartsWith(prefix, StringComparison.Ordinal) ? subject[prefix.Length..] : null;
        return type is { Length: >= 1 and <= 64 } && type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? null
            : $"its original subject '{subject}' is not one deadletter.{stage}'s stage consumes ({prefix}<task type>): refused, the letter stays";
    }

    /// <summary>Deletes every dead letter of <paramref name="stage"/>.</summary>
    /// <returns>How many were deleted.</returns>
    public async Task<long> PurgeAsync(string stage, CancellationToken cancellationToken)
    {
        var stream = await jetStream.GetStreamAsync(JetStreamNames.DeadLetterStream, cancellationToken: cancellationToken);
        var purged = await stream.PurgeAsync(new StreamPurgeRequest { Filter = Subjects.DeadLetter(stage) }, cancellationToken);
        return purged.Purged;
    }

    private static DeadLetter From(INatsJSMsg<byte[]> msg)
    {
        var headers = msg.Headers ?? [];
        string Header(string name) => headers.TryGetValue(name, out var value) ? value.ToString() : string.Empty;
        return new DeadLetter(
            msg.Metadata!.Value.Sequence.Stream,
            msg.Subject[Subjects.DeadLetterPrefix.Length..],
            Header(MessageHeaders.DeadLetterSubject),
            Header(MessageHeaders.DeadLetterReason),
            ulong.TryParse(Header(MessageHeaders.DeadLetterDeliveries), System.Globalization.CultureInfo.InvariantCulture, out var deliveries) ? deliveries : null,
            msg.Metadata.Value.Timestamp,
            headers,
            msg.Data ?? []);
    }
}
