using Distributed.Contracts;

namespace Distributed.Messaging;

/// <summary>
/// One NATS user of the pipeline and exactly what its pattern needs: the subjects it publishes
/// and subscribes to, the JetStream API calls of the streams and the one durable consumer it uses,
/// and its own inbox prefix, so no identity can read another's replies. nats-server enforces the
/// lists (<c>NatsServerConfig</c> renders them). Only the provisioner may create or update a stream,
/// the bucket or a consumer; a service waits for <see cref="Streams"/> to exist, and declares them
/// itself only where NATS has no authorization at all (a service started by hand).
/// </summary>
/// <param name="AnsweredFor">
/// The identities whose requests it answers. A responder publishes its replies to their inbox
/// prefixes and nowhere else: no <c>allow_responses</c>, which would let any asker choose, as the
/// reply subject, a subject the responder then publishes to with its own rights.
/// </param>
public sealed record NatsIdentity(
    string User,
    IReadOnlyList<string> Streams,
    IReadOnlyList<string> Publish,
    IReadOnlyList<string> Subscribe,
    string? ControlSubject = null,
    IReadOnlyList<string>? AnsweredFor = null)
{
    public string InboxPrefix => InboxPrefixOf(User);

    public static string InboxPrefixOf(string user) => "_INBOX_" + user;

    /// <summary>
    /// What it may publish: its pattern's subjects and the inboxes of those it answers, the operator's
    /// too when experiments let the operator ask it over its control subject.
    /// </summary>
    public IReadOnlyList<string> PublishAllowed(bool experiments)
    {
        var askers = (AnsweredFor ?? []).Concat(experiments && ControlSubject is not null ? [NatsIdentities.OperatorUser] : Array.Empty<string>());
        return [.. Publish, .. askers.Distinct().Select(asker => InboxPrefixOf(asker) + ".>")];
    }

    /// <summary>What it may subscribe to: its own inbox, its pattern's subjects and, with experiments on, its control subject.</summary>
    public IReadOnlyList<string> SubscribeAllowed(bool experiments) =>
        [InboxPrefix + ".>", .. Subscribe, .. experiments && ControlSubject is not null ? [ControlSubject] : Array.Empty<string>()];
}

/// <summary>The pipeline's NATS identities: one per service, the provisioner's, and the operator's.</summary>
public static class NatsIdentities
{
    /// <summary>The operator: every subject (the dashboard's commands, control.*, dead-letter operations).</summary>
    public const string OperatorUser = "operator";

    /// <summary>The operator's inbox prefix; its connections set it, so responders may answer it and no one else.</summary>
    public static string OperatorInboxPrefix => NatsIdentity.InboxPrefixOf(OperatorUser);

    /// <summary>Publishes tasks and keeps keys in the Idempotency-Key bucket.</summary>
    public static readonly NatsIdentity Gateway = new(
        "gateway",
        [JetStreamNames.TasksStream, IdempotencyBucket.Stream],
        [
            Subjects.TasksPrefix + ">",
            StreamInfo(JetStreamNames.TasksStream),
            StreamInfo(IdempotencyBucket.Stream),
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
            StreamInfo(JetStreamNames.TasksStream),
            StreamInfo(JetStreamNames.ResultsStream),
            StreamInfo(JetStreamNames.DeadLetterStream),
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
        ControlSubjects.EnricherFaults,
        // The processors ask for enrichment; the operator discovers the service ($SRV.PING, INFO, STATS).
        AnsweredFor: ["processor", OperatorUser]);

    /// <summary>Pulls results from its consumer and publishes its dead letters.</summary>
    public static readonly NatsIdentity Aggregator = new(
        "aggregator",
        [JetStreamNames.ResultsStream, JetStreamNames.DeadLetterStream],
        [
            Subjects.DeadLetter("aggregator"),
            StreamInfo(JetStreamNames.ResultsStream),
            StreamInfo(JetStreamNames.DeadLetterStream),
            .. Consume(JetStreamNames.ResultsStream, JetStreamNames.AggregatorConsumer),
        ],
        []);

    /// <summary>
    /// The owner of the topology: creates and updates every stream, the bucket and the durable
    /// consumers, and reads them to put back what went missing. Never deletes or purges, publishes
    /// no message and subscribes to nothing but its own inbox.
    /// </summary>
    public static readonly NatsIdentity Provisioner = new(
        "provisioner",
        [JetStreamNames.TasksStream, JetStreamNames.ResultsStream, JetStreamNames.DeadLetterStream, IdempotencyBucket.Stream],
        [
            "$JS.API.INFO",
            .. new[] { JetStreamNames.TasksStream, JetStreamNames.ResultsStream, JetStreamNames.DeadLetterStream, IdempotencyBucket.Stream }
                .SelectMany(stream => new[] { $"$JS.API.STREAM.CREATE.{stream}", $"$JS.API.STREAM.UPDATE.{stream}", StreamInfo(stream) }),
            .. DeclareConsumer(JetStreamNames.TasksStream, JetStreamNames.ProcessorsConsumer),
            .. DeclareConsumer(JetStreamNames.ResultsStream, JetStreamNames.AggregatorConsumer),
        ],
        []);

    public static IReadOnlyList<NatsIdentity> Services { get; } = [Gateway, Processor, Enricher, Aggregator];

    /// <summary>Every identity nats-server knows besides the operator: the services and the provisioner.</summary>
    public static IReadOnlyList<NatsIdentity> All { get; } = [.. Services, Provisioner];

    public static NatsIdentity ForService(string user) =>
        All.FirstOrDefault(identity => identity.User == user) ?? throw new ArgumentException($"no NATS identity named {user}", nameof(user));

    /// <summary>Read one stream's definition and state: whether it exists yet, and how many copies it has.</summary>
    private static string StreamInfo(string stream) => $"$JS.API.STREAM.INFO.{stream}";

    /// <summary>Create, update and read one durable consumer.</summary>
    private static string[] DeclareConsumer(string stream, string consumer) =>
    [
        $"$JS.API.CONSUMER.CREATE.{stream}.{consumer}",
        $"$JS.API.CONSUMER.INFO.{stream}.{consumer}",
    ];

    /// <summary>Read one durable consumer's state, pull from it and ack what it delivered; never change it.</summary>
    private static string[] Consume(string stream, string consumer) =>
    [
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
