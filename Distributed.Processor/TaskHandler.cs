using System.Diagnostics;
using System.Globalization;
using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Processor;

/// <summary>
/// One task, start to finish: decode, simulated work, enrichment, result publish, then ack.
/// The task is acked only after the result is stored in the results stream, so a crash at
/// any point means redelivery, and the result's message id makes a repeated publish a no-op.
/// </summary>
public sealed partial class TaskHandler(
    NatsConnection connection,
    INatsJSContext jetStream,
    EnrichmentClient enrichment,
    DeadLetterPublisher deadLetters,
    IOptions<ProcessorOptions> options,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<TaskHandler> logger)
{
    public const string Stage = "processor";
    private static readonly TimeSpan FirstPublishRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxPublishRetry = TimeSpan.FromSeconds(5);

    public async Task HandleAsync(INatsJSMsg<byte[]> msg, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.Received(msg.Subject);
        using var activity = PipelineTracing.StartProcessing(msg.Headers, msg.Subject, Subjects.TasksPrefix + "*");
        var settings = options.Value;

        if (!ContractJson.TryDecode<TaskMessage>(msg.Data ?? [], out var task, out var error))
        {
            await DeadLetterAsync(msg, error, cancellationToken);
            return;
        }

        activity.TagTask(task.RequestId, task.TaskType);
        if (DeliveryLimit.IsExceeded(msg, settings.MaxDeliveries))
        {
            await DeadLetterAsync(msg, DeliveryLimit.Reason(settings.MaxDeliveries), cancellationToken);
            return;
        }

        if (settings.ProcessingDelay > TimeSpan.Zero)
        {
            await Task.Delay(settings.ProcessingDelay, clock, cancellationToken);
        }

        var outcome = await enrichment.EnrichAsync(task, cancellationToken);
        var attempt = DeliveryLimit.Delivery(msg);
        if (outcome.Reply is null)
        {
            if (attempt < (ulong)settings.EnrichMaxAttempts)
            {
                var delay = settings.RetryDelay(attempt);
                LogEnrichRetry(task.RequestId, attempt, outcome.Failure, delay.TotalMilliseconds);
                await msg.NakAsync(new AckOpts { NakDelay = delay }, cancellationToken);
                return;
            }

            LogDegraded(task.RequestId, attempt, outcome.Failure);
            metrics.Degraded();
        }

        var result = new ResultMessage(task.RequestId, task.TaskType, task.Data, outcome.Reply, settings.ProcessorId, clock.GetUtcNow());
        var payload = ContractJson.Serialize(result);
        if (connection.ServerInfo?.MaxPayload is > 0 and var maxPayload && payload.Length > maxPayload)
        {
            // Retrying cannot make it fit; the gateway's limits should have kept it out.
            await DeadLetterAsync(msg, $"result of {payload.Length} bytes exceeds NATS's max_payload of {maxPayload}", cancellationToken);
            return;
        }

        var subject = Subjects.Result(task.TaskType);
        using (PipelineTracing.StartSend(subject, Subjects.ResultsPrefix + "*"))
        {
            var headers = new NatsHeaders { [MessageHeaders.SubmittedAt] = task.SubmittedAt.ToString("O", CultureInfo.InvariantCulture) }.WithTraceContext();
            await PublishResultAsync(msg, subject, payload, headers, task.RequestId, cancellationToken);
        }

        metrics.Published(subject);

        // A plain ack, not a double one: if it is lost the task comes back, and its result is
        // already in the stream under the same message id (and unique in PostgreSQL), so the
        // round trip a double ack waits for would buy nothing but a slot held longer.
        await msg.AckAsync(cancellationToken: cancellationToken);
        metrics.Processed(Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Publishes until the results stream has the result. A refusal there (NATS away, the stream
    /// full while the aggregator is down) is not the task's fault, so it is retried here, with
    /// the task held and its ack wait renewed, rather than redelivered: the task's delivery
    /// count stays for failures that are its own, and this replica takes no new task meanwhile.
    /// </summary>
    private async Task PublishResultAsync(
        INatsJSMsg<byte[]> msg, string subject, byte[] payload, NatsHeaders headers, Guid requestId, CancellationToken cancellationToken)
    {
        var delay = FirstPublishRetry;
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                var ack = await jetStream.PublishAsync(
                    subject, payload, headers: headers, opts: new NatsJSPubOpts { MsgId = requestId.ToString() }, cancellationToken: cancellationToken);
                // A duplicate means an earlier delivery of this task stored the result already.
                if (ack.Error is null)
                {
                    return;
                }

                failure = ack.Error.Description ?? $"error {ack.Error.Code}";
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                failure = ex.Message;
            }

            if (attempt == 1)
            {
                LogPublishRetry(requestId, failure);
            }

            await msg.AckProgressAsync(cancellationToken: cancellationToken).AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.Delay(delay, clock, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPublishRetry.Ticks));
        }
    }

    private async Task DeadLetterAsync(INatsJSMsg<byte[]> msg, string reason, CancellationToken cancellationToken)
    {
        LogDeadLetter(msg.Subject, reason);
        await deadLetters.PublishAsync(Stage, msg.Subject, msg.Data ?? [], reason, cancellationToken);
        await msg.AckAsync(cancellationToken: cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task on {Subject} moved to the dead-letter stream: {Reason}")]
    private partial void LogDeadLetter(string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {RequestId} not enriched on attempt {Attempt} ({Reason}); redelivery in {DelayMs} ms")]
    private partial void LogEnrichRetry(Guid requestId, ulong attempt, string? reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {RequestId} stored without enrichment after {Attempt} attempts ({Reason})")]
    private partial void LogDegraded(Guid requestId, ulong attempt, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result of task {RequestId} not stored in the results stream yet ({Reason}); holding the task and retrying")]
    private partial void LogPublishRetry(Guid requestId, string reason);
}
