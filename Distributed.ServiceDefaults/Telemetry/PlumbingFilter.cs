using System.Diagnostics;
using OpenTelemetry;

namespace Distributed.ServiceDefaults.Telemetry;

/// <summary>
/// Keeps client plumbing from starting traces of its own: database calls of health checks and
/// migrations. A span of the database client without a parent is not recorded (and so neither is
/// anything under it); inside a task's trace it keeps its parent and is recorded as before.
/// TRACE_PLUMBING=true turns this filter off and adds the NATS client's own spans (pull
/// requests, JetStream API calls, inbox subscriptions), for whoever debugs NATS or PostgreSQL itself.
/// </summary>
public sealed class PlumbingFilter : BaseProcessor<Activity>
{
    public const string VariableName = "TRACE_PLUMBING";
    public const string NatsClientSource = "NATS.Net";

    private static readonly HashSet<string> ClientSources = ["Npgsql"];

    public override void OnStart(Activity data)
    {
        if (IsDropped(data))
        {
            data.IsAllDataRequested = false;
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }

    private static bool IsDropped(Activity span)
    {
        // Under an always_on sampler (Aspire's) a child is sampled whatever its parent says, so the
        // children of a dropped span — and of a filtered health probe — are dropped here too.
        if (span.Parent is { } parent)
        {
            return !parent.Recorded;
        }

        if (!ClientSources.Contains(span.Source.Name))
        {
            return false;
        }

        // A client span with no parent is plumbing; so is one continuing a dropped span by its context.
        return span.ParentSpanId == default
            || (ActivityContext.TryParse(span.ParentId, null, out var context) && (context.TraceFlags & ActivityTraceFlags.Recorded) == 0);
    }
}
