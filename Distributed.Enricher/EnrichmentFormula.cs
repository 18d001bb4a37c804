using System.Globalization;
using Distributed.Contracts;

namespace Distributed.Enricher;

/// <summary>
/// The simulated enrichment: a pure function of the request id, so that any enricher replica
/// (and a test) gives the same answer for the same task.
/// </summary>
public static class EnrichmentFormula
{
    public static EnrichmentReply Enrich(Guid requestId, string taskType, DateTimeOffset now)
    {
        // RFC 4122 byte order, as docs/contract.md and the original (Uuid::as_bytes) read it.
        Span<byte> bytes = stackalloc byte[16];
        requestId.TryWriteBytes(bytes, bigEndian: true, out _);

        var lat = bytes[0] / 255.0 * 180.0 - 90.0;
        var lon = bytes[1] / 255.0 * 360.0 - 180.0;
        var priority = bytes[2] > 128 ? "high" : "low";
        string[] tags =
        [
            string.Create(CultureInfo.InvariantCulture, $"type:{taskType}"),
            "source:enricher",
            $"priority:{priority}",
        ];

        return new EnrichmentReply(requestId, tags, new GeoPoint(lat, lon), now);
    }
}
