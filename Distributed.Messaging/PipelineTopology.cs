using Distributed.Contracts;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Distributed.Messaging;

/// <summary>
/// Every JetStream stream, durable consumer and bucket of the pipeline, in one place. The
/// provisioning step declares them (<see cref="JetStreamProvisioner"/>); a service declares its own
/// only where NATS has no authorization.
/// </summary>
public static class PipelineTopology
{
    /// <summary>How long JetStream remembers a message id, so a republished task or result is stored once.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(2);

    /// <summary>The dead letters keep a week, and at most this many bytes (the oldest go first).</summary>
    public const long DeadLetterMaxBytes = 256L << 20;

    /// <summary>The gateway's Idempotency-Key bucket: at most this many bytes (new keys are refused, 503, when full).</summary>
    public const long IdempotencyMaxBytes = 256L << 20;

    /// <summary>
    /// nats-server's <c>max_file_store</c>: above every stream's and bucket's byte limit together
    /// (with the default STREAM_MAX_BYTES) and below the volume, so a full store shows up as a full
    /// stream (the gateway's 503) before the filesystem is full. JetStream reserves each limit, so
    /// limits raised past it make the streams' declaration fail, which /health reports.
    /// </summary>
    public const long MaxFileStore = 3L << 30;

    /// <summary>What the streams and the bucket may hold together, per server.</summary>
    public static long ReservedBytes(StreamLimits limits) => (2 * limits.MaxBytes) + DeadLetterMaxBytes + IdempotencyMaxBytes;

    /// <summary>A batch is written in milliseconds; an aggregator that died holding results gives them back this soon.</summary>
    public static readonly TimeSpan AggregatorAckWait = TimeSpan.FromSeconds(10);

    /// <param name="replicas">Copies of each stream (<see cref="StreamLimits.ReplicasFor"/>).</param>
    public static IReadOnlyList<StreamConfig> Streams(StreamLimits limits, int replicas = 1) =>
    [
        WorkQueue(JetStreamNames.TasksStream, Subjects.TasksPrefix, limits, replicas),
        WorkQueue(JetStreamNames.ResultsStream, Subjects.ResultsPrefix, limits, replicas),
        new(JetStreamNames.DeadLetterStream, [Subjects.DeadLetterPrefix + ">"])
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            Discard = StreamConfigDiscard.Old,
            MaxAge = TimeSpan.FromDays(7),
            MaxMsgs = DeadLetterMaxMessages,
            MaxBytes = DeadLetterMaxBytes,
            NumReplicas = replicas,
        },
    ];

    /// <summary>The most dead letters kept (the oldest go first); also the most a listing reads.</summary>
    public const int DeadLetterMaxMessages = 100_000;

    /// <summary>The durable consumers, as the provisioner declares them.</summary>
    public static IReadOnlyList<(string Stream, ConsumerConfig Config)> Consumers(TopologySettings settings) =>
    [
        (JetStreamNames.TasksStream, Processors(settings.ProcessorAckWait, settings.MaxDeliveries)),
        (JetStreamNames.ResultsStream, Aggregator(settings.MaxDeliveries)),
    ];

    /// <summary>The gateway's Idempotency-Key bucket: one value per key, kept for the window, bounded.</summary>
    public static NatsKVConfig IdempotencyBucketConfig(TopologySettings settings, int replicas = 1) => new(IdempotencyBucket.Name)
    {
        MaxAge = settings.IdempotencyWindow,
        Storage = NatsKVStorageType.File,
        History = 1,
        MaxBytes = IdempotencyMaxBytes,
        NumberOfReplicas = replicas,
    };

    /// <summary>
    /// How long a delivered task may stay unacked before JetStream hands it to another replica:
    /// comfortably more than one task can take, and short so a crashed replica's tasks move on soon.
    /// </summary>
    public static TimeSpan ProcessorAckWait(int processingDelayMs, int enrichTimeoutMs) =>
        TimeSpan.FromMilliseconds(Math.Max(10_000, 3L * (processingDelayMs + enrichTimeoutMs)));

    /// <summary>Processor replicas share it, so each task goes to one of them.</summary>
    public static ConsumerConfig Processors(TimeSpan ackWait, int maxDeliveries) => new(JetStreamNames.ProcessorsConsumer)
    {
        DurableName = JetStreamNames.ProcessorsConsumer,
        AckPolicy = ConsumerConfigAckPolicy.Explicit,
        AckWait = ackWait,
        MaxAckPending = 10_000,
        MaxDeliver = DeliveryLimit.ServerMaxDeliver(maxDeliveries),
    };

    public static ConsumerConfig Aggregator(int maxDeliveries) => new(JetStreamNames.AggregatorConsumer)
    {
        DurableName = JetStreamNames.AggregatorConsumer,
        AckPolicy = ConsumerConfigAckPolicy.Explicit,
        AckWait = AggregatorAckWait,
        MaxAckPending = 20_000,
        MaxDeliver = DeliveryLimit.ServerMaxDeliver(maxDeliveries),
    };

    /// <summary>
    /// A stream whose messages each go to one consumer and leave once acked, on disk, bounded,
    /// refusing new messages when full rather than dropping stored ones.
    /// </summary>
    private static StreamConfig WorkQueue(string name, string subjectPrefix, StreamLimits limits, int replicas) => new(name, [subjectPrefix + ">"])
    {
        Retention = StreamConfigRetention.Workqueue,
        Storage = StreamConfigStorage.File,
        Discard = StreamConfigDiscard.New,
        MaxMsgs = limits.MaxMessages,
        MaxBytes = limits.MaxBytes,
        DuplicateWindow = DuplicateWindow,
        NumReplicas = replicas,
    };
}
