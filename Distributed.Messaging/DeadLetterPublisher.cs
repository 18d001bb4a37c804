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
    public async Task PublishAsync(string stage, string originalSubject, ReadOnlyMemory<byte> body, string reason, CancellationToken cancellationToken)
    {
        var headers = new NatsHeaders
        {
            [MessageHeaders.DeadLetterReason] = Sanitize(reason),
            [MessageHeaders.DeadLetterSubject] = originalSubject,
        }.WithTraceContext();
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
