using System.Diagnostics;
using NATS.Client.Core;

namespace Distributed.Messaging;

/// <summary>
/// Spans for the pipeline's own work. NATS.Net writes the W3C trace context into message
/// headers on publish; a consumer continues the trace from there.
/// </summary>
public static class PipelineTracing
{
    public const string SourceName = "Distributed.Pipeline";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts a consumer span whose parent is the trace carried by the message headers.</summary>
    public static Activity? StartConsumerActivity(string name, NatsHeaders? headers, string subject)
    {
        var parent = headers.GetActivityContext();
        var activity = Source.StartActivity(name, ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "nats");
        activity?.SetTag("messaging.destination.name", subject);
        return activity;
    }

    /// <summary>The trace id carried by a message, or null when it carries none.</summary>
    public static string? TraceIdOf(NatsHeaders? headers)
    {
        var context = headers.GetActivityContext();
        return context.TraceId == default ? null : context.TraceId.ToHexString();
    }
}
