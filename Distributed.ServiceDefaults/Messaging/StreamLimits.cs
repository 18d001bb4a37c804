using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Distributed.ServiceDefaults.Messaging;

/// <summary>
/// Explicit bounds on the work streams. When one is full the stream refuses new messages
/// (discard-new), so the gateway answers 503 instead of NATS dropping accepted work.
/// </summary>
public sealed class StreamLimits
{
    public StreamLimits(IConfiguration configuration)
    {
        MaxMessages = Read(configuration, "STREAM_MAX_MSGS", 1_000_000);
        MaxBytes = Read(configuration, "STREAM_MAX_BYTES", 1L << 30);
    }

    public long MaxMessages { get; }

    public long MaxBytes { get; }

    private static long Read(IConfiguration configuration, string key, long fallback) =>
        long.TryParse(configuration[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
}
