using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Distributed.Messaging;

/// <summary>
/// Explicit bounds on the work streams. When one is full the stream refuses new messages
/// (discard-new), so the gateway answers 503 instead of NATS dropping accepted work.
/// </summary>
public sealed class StreamLimits
{
    [ConfigurationKeyName("STREAM_MAX_MSGS")]
    [Range(1, long.MaxValue)]
    public long MaxMessages { get; set; } = 1_000_000;

    [ConfigurationKeyName("STREAM_MAX_BYTES")]
    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;
}
