namespace Distributed.Contracts;

/// <summary>NATS subjects, streams and consumer names shared by every service.</summary>
public static class Subjects
{
    public const string TasksPrefix = "tasks.";
    public const string ResultsPrefix = "results.";
    public const string DeadLetterPrefix = "deadletter.";
    public const string EnrichRequest = "enrich.request";

    public const string TasksStream = "TASKS";
    public const string ResultsStream = "RESULTS";
    public const string DeadLetterStream = "DEADLETTER";

    public const string ProcessorsConsumer = "processors";
    public const string AggregatorConsumer = "aggregator";
    public const string EnricherQueueGroup = "enrichers";
    public const string EnricherServiceName = "enricher";

    /// <summary>Header on a dead-lettered message that says why it was moved there.</summary>
    public const string DeadLetterReasonHeader = "Distributed-Deadletter-Reason";
    public const string DeadLetterSubjectHeader = "Distributed-Original-Subject";

    /// <summary>On a result: when the gateway accepted its task (RFC 3339), for end-to-end latency.</summary>
    public const string SubmittedAtHeader = "Distributed-Submitted-At";

    public static string Task(string taskType) => TasksPrefix + taskType;
    public static string Result(string taskType) => ResultsPrefix + taskType;
    public static string DeadLetter(string stage) => DeadLetterPrefix + stage;
}
