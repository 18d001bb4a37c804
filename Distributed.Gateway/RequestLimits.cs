using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Distributed.Gateway;

/// <summary>Explicit bounds on what a client may send, so no request can exhaust the gateway.</summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// The floor for a body's pace: after its first <see cref="BodyGrace"/> a body must keep arriving
    /// at this rate or faster (Kestrel's default, 240 B/s, let 300 connections at 300 B/s each hold every
    /// slot for 40 s), and it must be whole within <see cref="BodyDeadline"/> — at 1 MiB, about 105 KB/s.
    /// </summary>
    public const int MinBodyBytesPerSecond = 16 * 1024;

    public static readonly TimeSpan BodyGrace = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan BodyDeadline = TimeSpan.FromSeconds(10);

    public static string BodyFloorDescription { get; } = string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"The body must arrive within {BodyDeadline.TotalSeconds} s, and at {MinBodyBytesPerSecond / 1024} KiB/s or more after its first {BodyGrace.TotalSeconds} s; it was cut off.");

    public static void ApplyRequestLimits(this KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        kestrel.Limits.MaxRequestHeaderCount = 64;
        kestrel.Limits.MaxRequestLineSize = 8 * 1024;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(MinBodyBytesPerSecond, BodyGrace);
        kestrel.AddServerHeader = false;
    }
}
