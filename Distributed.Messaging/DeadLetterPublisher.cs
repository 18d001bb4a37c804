using Distributed.Contracts;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Messaging;

/// <summary>
/// Moves a message that can never be processed to <c>deadletter.&lt;stage&gt;</c>, keeping its
/// bytes and saying why in a header, so it is neither retried forever nor silently dropped.
/// </summary>
public sealed class DeadLetterPublisher(INatsJSContext jetStream, PipelineMetrics metrics)
{
    /// <summary>
    /// Keeps the message's own headers (trace context, submission time) beside the reason, so a
    /// replay sends the message on as it first came.
    /// </summary>
    public async Task PublishAsync(
        string stage, string originalSubject, NatsHeaders? original, ReadOnlyMemory<byte> body, string reason, ulong deliveries, CancellationToken cancellationToken)
    {
        var headers = new NatsHeaders();
        foreach (var (name, value) in original ?? [])
        {
            // JetStream's own headers (Nats-Msg-Id and the like) belong to the first publish only.
            if (!name.StartsWith("Nats-", StringComparison.OrdinalIgnoreCase))
            {
                headers[name] = value;
            }
        }

        headers[MessageHeaders.DeadLetterReason] = Sanitize(reason);
        headers[MessageHeaders.DeadLetterSubject] = originalSubject;
        headers[MessageHeaders.DeadLetterDeliveries] = deliveries.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var subject = Subjects.DeadLetter(stage);
        var ack = await jetStream.PublishAsync(subject, body, headers: headers, cancellationToken: cancellationToken);
        ack.EnsureSuccess();
        metrics.DeadLettered(stage);
        metrics.Published(subject);
    }

    // Header values cannot hold line breaks; keep the reason short enough for a header.
    private static string Sanitize(string reason)
    {
        var flat = reason.Replace('\r', ' ').Replace('\n', ' ');
        return flat.Length > 512 ? flat[..512] : flat;
    }
}
