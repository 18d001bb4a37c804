using System.Globalization;

namespace Distributed.AppHost.Experiments;

/// <summary>What a load run did: what the gateway answered, what was stored, and how long tasks took end to end.</summary>
public sealed record LoadSummary(
    LoadPlan Plan,
    string State,
    int Sent,
    int Accepted,
    int Unavailable,
    int OtherErrors,
    int Stored,
    int Degraded,
    TimeSpan? EndToEndP50,
    TimeSpan? EndToEndP99)
{
    public override string ToString()
    {
        var counts = string.Create(CultureInfo.InvariantCulture,
            $"{State}: {Plan}; sent {Sent:N0}, accepted {Accepted:N0}, 503 {Unavailable:N0}, other errors {OtherErrors:N0}, stored {Stored:N0} of the accepted ({Degraded:N0} without enrichment)");
        return EndToEndP50 is { } p50 && EndToEndP99 is { } p99
            ? counts + string.Create(CultureInfo.InvariantCulture, $"; end to end (sent → processed) p50 {p50.TotalMilliseconds:N0} ms, p99 {p99.TotalMilliseconds:N0} ms")
            : counts;
    }
}
