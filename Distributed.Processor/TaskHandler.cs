using System.Diagnostics;
using System.Globalization;
using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Processor;

/// <summary>
/// One task, start to finish: simulated work, enrichment, result publish. The task is acked (by
/// the consume loop, on <see cref="Handling.Done"/>) only after the result is stored in the
/// results stream, so a crash at any point means redelivery, and the result's message id makes a
/// repeated publish a no-op.
/// </summary>
public sealed partial class TaskHandler(
    NatsConnection connection,
    INatsJSContext jetStream,
    EnrichmentClient enrichment,
    IOptions<ProcessorOptions> options,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<TaskHandler> logger) : IMessageHandler<TaskMessage>
{
    public const string Stage = DeadLetterStages.Processor;

    public async Task<Handling> HandleAsync(Delivery<TaskMessage> delivery, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var task = delivery.Message;
        using var activity = PipelineTracing.StartProcessing(delivery.Headers, delivery.Subject, Subjects.TasksPrefix + "*");
        activity.TagTask(task.RequestId, task.TaskType);
        var settings = options.Value;

        if (settings.ProcessingDelay > TimeSpan.Zero)
        {
            await Task.Delay(settings.ProcessingDelay, clock, cancellationToken);
        }

        var outcome = await enrichment.EnrichAsync(task, cancellationToken);
        if (outcome.Reply is null)
        {
            if (delivery.Number < (ulong)settings.EnrichMaxAttempts)
            {
                var delay = settings.RetryDelay(delivery.Number);
                LogEnrichRetry(task.RequestId, delivery.Number, outcome.Failure, delay.TotalMilliseconds);
                return Handling.RetryIn(delay);
            }

            LogDegraded(task.RequestId, delivery.Number, outcome.Failure);
            metrics.Degraded();
        }

        var result = new ResultMessage(task.RequestId, task.TaskType, task.Data, outcome.Reply, settings.ProcessorId, clock.GetUtcNow());
        var payload = ContractJson.Serialize(result);
        if (connection.ServerInfo?.MaxPayload is > 0 and var maxPayload && payload.Length > maxPayload)
        {
            // Retrying cannot make it fit; the gateway's limits should have kept it out.
            return Handling.DeadLetter($"result of {payload.Length} bytes exceeds NATS's max_payload of {maxPayload}");
        }

        var subject = Subjects.Result(task.TaskType);
        using (PipelineTracing.StartSend(subject, Subjects.ResultsPrefix + "*"))
        {
            var headers = new NatsHeaders { [MessageHeaders.SubmittedAt] = task.SubmittedAt.ToString("O", CultureInfo.InvariantCulture) }.WithTraceContext();
            // The task's client travels on with its result: the aggregator stores the row as that client's.
            if (delivery.Headers?.TryGetValue(MessageHeaders.Client, out var client) == true)
            {
                headers[MessageHeaders.Client] = client;
            }

            await PublishResultAsync(delivery, subject, payload, headers, cancellationToken);
        }

        metrics.Published(subject);
        metrics.Processed(Stopwatch.GetElapsedTime(started));

        // A plain ack, not a double one: if it is lost the task comes back, and its result is
        // already in the stream under the same message id (and unique in PostgreSQL), so the
        // round trip a double ack waits for would buy nothing but a slot held longer.
        return Handling.Done;
    }

    /// <summary>
    /// Publishes until the results stream has the result. A refusal there (NATS away, the stream
    /// full while the aggregator is down) is not the task's fault, so it is retried here, with
    /// the task held and its ack wait renewed, rather than redelivered: the task's delivery
    /// count stays for failures that are its own, and this replica takes no new task meanwhile.
    /// </summary>
    private async Task PublishResultAsync(Delivery<TaskMessage> delivery, string subject, byte[] payload, NatsHeaders headers, CancellationToken cancellationToken)
    {
        var requestId = delivery.Message.RequestId;
        var held = false;
        var retry = DependencyRetry.Create(failure => failure is NatsException or TimeoutException, async (failure, _) =>
        {
            if (!held)
            {
                held = true;
                LogPublishRetry(requestId, failure.Message);
            }

            await delivery.HoldAsync();
        }, clock);

        await retry.ExecuteAsync(async token =>
        {
            var ack = await jetStream.PublishAsync(
                subject, payload, headers: headers, opts: new NatsJSPubOpts { MsgId = requestId.ToString() }, cancellationToken: token);
            // A duplicate means an earlier delivery of this task stored the result already; a
            // refusal (the stream full while the aggregator is away) is retried like NATS away.
            if (ack.Error is { } refused)
            {
                throw new NatsJSApiException(refused);
            }
        }, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {RequestId} not enriched on attempt {Attempt} ({Reason}); redelivery in {DelayMs} ms")]
    private partial void LogEnrichRetry(Guid requestId, ulong attempt, string? reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {RequestId} stored without enrichment after {Attempt} attempts ({Reason})")]
    private partial void LogDegraded(Guid requestId, ulong attempt, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result of task {RequestId} not stored in the results stream yet ({Reason}); holding the task and retrying")]
    private partial void LogPublishRetry(Guid requestId, string reason);
}
