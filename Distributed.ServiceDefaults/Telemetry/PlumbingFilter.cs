using System.Diagnostics;
using OpenTelemetry;

namespace Distributed.ServiceDefaults.Telemetry;

/// <summary>
/// Keeps client plumbing from starting traces of its own: the NATS client's pull requests,
/// JetStream API calls and inbox subscriptions made while idle, and database calls of health
/// checks and migrations. A span of those clients without a parent is not recorded (and so
/// neither is anything under it); inside a task's trace they keep their parent and are recorded
/// as before. TRACE_PLUMBING=true brings them back for whoever debugs NATS or PostgreSQL itself.
/// </summary>
public sealed class PlumbingFilter : BaseProcessor<Activity>
{
    public const string VariableName = "TRACE_PLUMBING";

    private static readonly HashSet<string> ClientSources = ["NATS.Net", "Npgsql"];

    public override void OnStart(Activity data)
    {
        if (data.Parent is null && data.ParentSpanId == default && ClientSources.Contains(data.Source.Name))
        {
            data.IsAllDataRequested = false;
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }
}
