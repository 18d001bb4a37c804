using Distributed.Contracts;
using NATS.Client.JetStream.Models;

namespace Distributed.Messaging;

/// <summary>
/// Every JetStream stream and durable consumer of the pipeline, in one place. Each service
/// declares them all at start and again whenever NATS comes back (<see cref="JetStreamProvisioner"/>).
/// </summary>
public static class PipelineTopology
{
    /// <summary>How long JetStream remembers a message id, so a republished task or result is stored once.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(2);

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
            MaxMsgs = 100_000,
            NumReplicas = replicas,
        },
    ];

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
