using NATS.Client.JetStream;

namespace Distributed.Messaging;

/// <summary>
/// Bounded redelivery for every durable consumer. A message is attempted at most
/// <c>MAX_DELIVERIES</c> times; the delivery after that moves it to <c>deadletter.&lt;stage&gt;</c>
/// without another attempt, so even a message that crashes its consumer every time ends up
/// there. The server's own limit sits a few deliveries higher, to leave the consumer room to
/// publish that dead letter, and stops redelivery even if it never can.
/// </summary>
public static class DeliveryLimit
{
    public const int Default = 20;
    public const string VariableName = "MAX_DELIVERIES";
    private const int DeadLetterMargin = 3;

    public static long ServerMaxDeliver(int limit) => limit + 1 + DeadLetterMargin;

    public static bool IsExceeded<T>(INatsJSMsg<T> msg, int limit) => Delivery(msg) > (ulong)limit;

    public static ulong Delivery<T>(INatsJSMsg<T> msg) => msg.Metadata?.NumDelivered ?? 1;

    public static string Reason(int limit) => $"not processed after {limit} deliveries (MAX_DELIVERIES)";
}
