using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Messaging;

/// <summary>One delivery of a decoded message, as a handler sees it.</summary>
public sealed class Delivery<T>(INatsJSMsg<byte[]> msg, T message)
{
    public T Message { get; } = message;

    public string Subject => msg.Subject;

    public NatsHeaders? Headers => msg.Headers;

    /// <summary>1 on the first delivery, counting every redelivery since.</summary>
    public ulong Number => DeliveryLimit.Delivery(msg);

    internal INatsJSMsg<byte[]> Msg => msg;

    /// <summary>
    /// Tells JetStream the message is still being worked on, so its ack wait starts again: for a
    /// handler that holds a message while a dependency is away, instead of letting it be redelivered.
    /// </summary>
    public async ValueTask HoldAsync() =>
        await msg.AckProgressAsync(cancellationToken: CancellationToken.None).AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
}
