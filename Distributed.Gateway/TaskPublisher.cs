using Distributed.Contracts;
using Distributed.Messaging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Gateway;

/// <summary>
/// Hands a task to JetStream and waits for the stream's ack: a 202 is only ever given for a
/// task that NATS has stored.
/// </summary>
public sealed partial class TaskPublisher(
    NatsConnection connection,
    INatsJSContext jetStream,
    JetStreamProvisioner provisioner,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<TaskPublisher> logger)
{
    public async Task<PublishOutcome> PublishAsync(TaskSubmission submission, string client, Guid? requestId, CancellationToken cancellationToken)
    {
        if (connection.ConnectionState != NatsConnectionState.Open)
        {
            return PublishOutcome.Unavailable($"NATS is {connection.ConnectionState.ToString().ToLowerInvariant()}");
        }

        var task = new TaskMessage(requestId ?? Guid.NewGuid(), submission.TaskType, submission.Data, clock.GetUtcNow());
        var subject = Subjects.Task(task.TaskType);
        var payload = ContractJson.Serialize(task);
        if (connection.ServerInfo?.MaxPayload is > 0 and var maxPayload && payload.Length > maxPayload)
        {
            // Retrying cannot help: say so instead of a 503.
            return PublishOutcome.TooLarge($"the task is {payload.Length} bytes as a message; NATS takes at most {maxPayload}");
        }

        // Only a keyed request can come again under the same request id, so only it carries a
        // message id for JetStream's duplicate window: an unkeyed one gets a new id on every try,
        // and the window's bookkeeping made nats-server answer the slowest 1 % of publishes 2-5 times later.
        using var span = PipelineTracing.StartSend(subject, Subjects.TasksPrefix + "*");
        span.TagTask(task.RequestId, task.TaskType);
        try
        {
            var ack = await jetStream.PublishAsync(
                subject,
                payload,
                headers: Headers(client),
                opts: requestId is null ? null : new NatsJSPubOpts { MsgId = task.RequestId.ToString() },
                cancellationToken: cancellationToken);
            if (ack.Error is { } apiError)
            {
                // Most often the stream is full (discard-new): the client should back off.
                LogRefused(subject, apiError.Description);
                return PublishOutcome.Unavailable($"the task stream refused the task: {apiError.Description}");
            }

            metrics.Published(subject);
            return PublishOutcome.Accepted(task.RequestId);
        }
        catch (Exception ex) when (NoStreamAnswered(ex))
        {
            LogRefused(subject, ex.Message);
            // NATS may have come back without its store. Put the streams back in the background;
            // this request gets its 503 now, and nothing was stored.
            _ = provisioner.RecoverAsync(ex, CancellationToken.None);
            return PublishOutcome.Unavailable("no stream took the task");
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException)
        {
            // The task left, and no ack came back in time: it may be stored or not. Only the
            // client can settle it, by its request id or a retry with the same Idempotency-Key.
            LogUnknown(subject, task.RequestId, ex.Message);
            _ = provisioner.RecoverAsync(ex, CancellationToken.None);
            return PublishOutcome.Unknown(task.RequestId);
        }
    }

    /// <summary>The trace context, and with authentication on the client the task belongs to.</summary>
    private static NatsHeaders? Headers(string client)
    {
        var headers = PipelineTracing.TraceContextHeaders();
        if (client.Length > 0)
        {
            headers ??= new NatsHeaders();
            headers[MessageHeaders.Client] = client;
        }

        return headers;
    }

    private static bool NoStreamAnswered(Exception exception) =>
        exception is NatsNoRespondersException || exception.InnerException is NatsNoRespondersException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task on {Subject} not accepted: {Reason}")]
    private partial void LogRefused(string subject, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {RequestId} on {Subject}: no acknowledgement in time ({Reason}); its outcome is unknown to the client")]
    private partial void LogUnknown(string subject, Guid requestId, string reason);
}

public enum PublishStatus
{
    Accepted,
    Unavailable,
    TooLarge,

    /// <summary>Published, but no acknowledgement came back in time: it may or may not be stored.</summary>
    Unknown,
}

public sealed record PublishOutcome(PublishStatus Status, Guid RequestId, string? Failure)
{
    public static PublishOutcome Accepted(Guid requestId) => new(PublishStatus.Accepted, requestId, null);

    public static PublishOutcome Unavailable(string reason) => new(PublishStatus.Unavailable, Guid.Empty, reason);

    public static PublishOutcome TooLarge(string reason) => new(PublishStatus.TooLarge, Guid.Empty, reason);

    public static PublishOutcome Unknown(Guid requestId) => new(PublishStatus.Unknown, requestId, "no acknowledgement in time");
}
