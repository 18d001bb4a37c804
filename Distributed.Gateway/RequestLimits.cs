using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Distributed.Gateway;

/// <summary>Explicit bounds on what a client may send, so no request can exhaust the gateway.</summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 1024 * 1024;

    public static void ApplyRequestLimits(this KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        kestrel.Limits.MaxRequestHeaderCount = 64;
        kestrel.Limits.MaxRequestLineSize = 8 * 1024;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        kestrel.AddServerHeader = false;
    }
}
