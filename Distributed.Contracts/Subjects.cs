using System.ComponentModel;

namespace Distributed.Contracts;

/// <summary>The NATS subjects every service publishes and listens on.</summary>
public static class Subjects
{
    public const string TasksPrefix = "tasks.";
    public const string ResultsPrefix = "results.";
    public const string DeadLetterPrefix = "deadletter.";
    public const string EnrichRequest = "enrich.request";

    public static string Task(string taskType) => TasksPrefix + taskType;
    public static string Result(string taskType) => ResultsPrefix + taskType;
    public static string DeadLetter(string stage) => DeadLetterPrefix + stage;
}

/// <summary>The stages that move messages to <c>deadletter.&lt;stage&gt;</c>: the consumers' services.</summary>
public static class DeadLetterStages
{
    public const string Processor = "processor";
    public const string Aggregator = "aggregator";

    public static readonly IReadOnlyList<string> All = [Processor, Aggregator];
}

/// <summary>Names of the JetStream streams and consumers, the enricher's queue group and micro-service.</summary>
public static class JetStreamNames
{
    public const string TasksStream = "TASKS";
    public const string ResultsStream = "RESULTS";
    public const string DeadLetterStream = "DEADLETTER";

    public const string ProcessorsConsumer = "processors";
    public const string AggregatorConsumer = "aggregator";
    public const string EnricherQueueGroup = "enrichers";
    public const string EnricherServiceName = "enricher";
}

/// <summary>Headers the pipeline adds to messages; each one's description is its documentation (docs/contract.md is generated from it).</summary>
public static class MessageHeaders
{
    [Description("On a dead-lettered message: why it was moved there.")]
    public const string DeadLetterReason = "Distributed-Deadletter-Reason";

    [Description("On a dead-lettered message: the subject it was published on.")]
    public const string DeadLetterSubject = "Distributed-Original-Subject";

    [Description("On a dead-lettered message: how many times it had been delivered when it was moved.")]
    public const string DeadLetterDeliveries = "Distributed-Deliveries";

    [Description("On a replayed message: the dead letter (its stream sequence) it was replayed from.")]
    public const string ReplayedFrom = "Distributed-Replayed-From";

    [Description("On a result: when the gateway accepted its task (RFC 3339), for end-to-end latency.")]
    public const string SubmittedAt = "Distributed-Submitted-At";

    [Description("On a task and its result, with authentication on: the client that sent it (its token's client claim); the query API shows a task only to that client. Absent with authentication off.")]
    public const string Client = "Distributed-Client";
}
