using Distributed.Contracts;

namespace Distributed.Messaging;

/// <summary>
/// One NATS user of the pipeline and exactly what its pattern needs: the subjects it publishes
/// and subscribes to, the JetStream API calls of the streams and the one durable consumer it uses,
/// and its own inbox prefix, so no identity can read another's replies. nats-server enforces the
/// lists (<c>NatsServerConfig</c> renders them); the service provisions only <see cref="Streams"/>.
/// </summary>
public sealed record NatsIdentity(
    string User,
    IReadOnlyList<string> Streams,
    IReadOnlyList<string> Publish,
    IReadOnlyList<string> Subscribe,
    string? ControlSubject = null)
{
    /// <summary>
    /// Whether it answers requests (enrichment, control messages with experiments on): a reply goes
    /// to the asker's inbox, which nats-server then lets it publish to once, and to nothing else.
    /// </summary>
    public bool AnswersRequests(bool experiments) =>
        Subscribe.Contains(Subjects.EnrichRequest) || (experiments && ControlSubject is not null);

    public string InboxPrefix => "_INBOX_" + User;

    /// <summary>What it may subscribe to: its own inbox, its pattern's subjects and, with experiments on, its control subject.</summary>
    public IReadOnlyList<string> SubscribeAllowed(bool experiments) =>
        [InboxPrefix + ".>", .. Subscribe, .. experiments && ControlSubject is not null ? [ControlSubject] : Array.Empty<string>()];
}

/// <summary>The pipeline's NATS identities: one per service, and the operator's.</summary>
public static class NatsIdentities
{
    /// <summary>Publishes tasks and keeps the Idempotency-Key bucket.</summary>
    public static readonly NatsIdentity Gateway = new(
        "gateway",
        [JetStreamNames.TasksStream],
        [
            Subjects.TasksPrefix + ">",
            .. DeclareStream(JetStreamNames.TasksStream),
            .. CreateOrUpdateStream(IdempotencyBucket.Stream),
            IdempotencyBucket.SubjectPrefix + ">",
            $"$JS.API.DIRECT.GET.{IdempotencyBucket.Stream}",
        ],
        []);

    /// <summary>Pulls tasks from its consumer, asks the enricher, publishes results and its dead letters.</summary>
    public static readonly NatsIdentity Processor = new(
        "processor",
        [JetStreamNames.TasksStream, JetStreamNames.ResultsStream, JetStreamNames.DeadLetterStream],
        [
            Subjects.EnrichRequest,
            Subjects.ResultsPrefix + ">",
            Subjects.DeadLetter("processor"),
            .. DeclareStream(JetStreamNames.TasksStream),
            .. DeclareStream(JetStreamNames.ResultsStream),
            .. DeclareStream(JetStreamNames.DeadLetterStream),
            .. Consume(JetStreamNames.TasksStream, JetStreamNames.ProcessorsConsumer),
        ],
        [],
        ControlSubjects.ProcessorIntake);

    /// <summary>Serves enrich.request as the micro-service "enricher"; no JetStream at all.</summary>
    public static readonly NatsIdentity Enricher = new(
        "enricher",
        [],
        [],
        [Subjects.EnrichRequest, "$SRV.>"],
        ControlSubjects.EnricherFaults);

    /// <summary>Pulls results from its consumer and publishes its dead letters.</summary>
    public static readonly NatsIdentity Aggregator = new(
        "aggregator",
        [JetStreamNames.ResultsStream, JetStreamNames.DeadLetterStream],
        [
            Subjects.DeadLetter("aggregator"),
            .. DeclareStream(JetStreamNames.ResultsStream),
            .. DeclareStream(JetStreamNames.DeadLetterStream),
            .. Consume(JetStreamNames.ResultsStream, JetStreamNames.AggregatorConsumer),
        ],
        []);

    public static IReadOnlyList<NatsIdentity> Services { get; } = [Gateway, Processor, Enricher, Aggregator];

    public static NatsIdentity ForService(string user) =>
        Services.FirstOrDefault(identity => identity.User == user) ?? throw new ArgumentException($"no NATS identity named {user}", nameof(user));

    /// <summary>
    /// Create, update and read one stream's definition (reading it keeps a stream from losing copies
    /// while a node is down); never delete or purge it.
    /// </summary>
    private static string[] DeclareStream(string stream) => [.. CreateOrUpdateStream(stream), $"$JS.API.STREAM.INFO.{stream}"];

    /// <summary>Create and update one stream's definition: all a key-value bucket's declaration asks.</summary>
    private static string[] CreateOrUpdateStream(string stream) => [$"$JS.API.STREAM.CREATE.{stream}", $"$JS.API.STREAM.UPDATE.{stream}"];

    /// <summary>Declare one durable consumer, read its state, pull from it and ack what it delivered.</summary>
    private static string[] Consume(string stream, string consumer) =>
    [
        $"$JS.API.CONSUMER.CREATE.{stream}.{consumer}",
        $"$JS.API.CONSUMER.INFO.{stream}.{consumer}",
        $"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        $"$JS.ACK.{stream}.{consumer}.>",
    ];
}

/// <summary>The gateway's key-value bucket, as JetStream names its stream and subjects.</summary>
public static class IdempotencyBucket
{
    public const string Name = "IDEMPOTENCY";
    public const string Stream = "KV_" + Name;
    public const string SubjectPrefix = "$KV." + Name + ".";
}
