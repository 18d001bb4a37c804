using System.Diagnostics;
using System.Globalization;
using Distributed.Contracts;
using Distributed.ServiceDefaults.Messaging;
using Distributed.ServiceDefaults.Telemetry;
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
    INatsJSContext jetStream,
    EnrichmentClient enrichment,
    DeadLetterPublisher deadLetters,
    IOptions<ProcessorOptions> options,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<TaskHandler> logger)
{
    public const string Stage = "processor";

    public async Task HandleAsync(INatsJSMsg<byte[]> msg, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.Received(msg.Subject);
        using var activity = PipelineTracing.StartConsumerActivity("process task", msg.Headers, msg.Subject);

        if (!ContractJson.TryDeserialize<TaskMessage>(msg.Data ?? [], out var task, out var error)
            || !TaskTypeRule.IsValid(task!.TaskType))
        {
            error ??= "task_type is not a valid subject token";
            LogDeadLetter(msg.Subject, error);
            await deadLetters.PublishAsync(Stage, msg.Subject, msg.Data ?? [], error, cancellationToken);
            await msg.AckAsync(cancellationToken: cancellationToken);
            return;
        }

        activity?.SetTag("task.request_id", task.RequestId);
        activity?.SetTag("task.type", task.TaskType);

        var settings = options.Value;
        if (settings.ProcessingDelay > TimeSpan.Zero)
        {
            await Task.Delay(settings.ProcessingDelay, clock, cancellationToken);
        }

        var outcome = await enrichment.EnrichAsync(task, cancellationToken);
        var attempt = msg.Metadata?.NumDelivered ?? 1;
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

        var result = new ResultMessage(
            task.RequestId,
            task.TaskType,
            task.Data,
            outcome.Reply,
            settings.ProcessorId,
            clock.GetUtcNow());

        var subject = Subjects.Result(task.TaskType);
        var headers = new NatsHeaders { [Subjects.SubmittedAtHeader] = task.SubmittedAt.ToString("O", CultureInfo.InvariantCulture) };
        var ack = await jetStream.PublishAsync(
            subject,
            ContractJson.Serialize(result),
            headers: headers,
            opts: new NatsJSPubOpts { MsgId = task.RequestId.ToString() },
            cancellationToken: cancellationToken);
        ack.EnsureSuccess();
        metrics.Published(subject);

        await msg.AckAsync(new AckOpts { DoubleAck = true }, cancellationToken);
        metrics.Processed(Stopwatch.GetElapsedTime(started));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Undecodable task on {Subject} moved to the dead-letter stream: {Reason}")]
    private partial void LogDeadLetter(string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {RequestId} not enriched on attempt {Attempt} ({Reason}); redelivery in {DelayMs} ms")]
    private partial void LogEnrichRetry(Guid requestId, ulong attempt, string? reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {RequestId} stored without enrichment after {Attempt} attempts ({Reason})")]
    private partial void LogDegraded(Guid requestId, ulong attempt, string? reason);
}
