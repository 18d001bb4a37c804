namespace Distributed.ServiceDefaults.Http;

/// <summary>The environment variable that sets where a service listens, and its default.</summary>
public sealed record ServiceAddress(string Variable, string Default)
{
    public static readonly ServiceAddress Gateway = new("GATEWAY_ADDR", "0.0.0.0:3000");
    public static readonly ServiceAddress Aggregator = new("AGGREGATOR_ADDR", "0.0.0.0:3001");
    public static readonly ServiceAddress Processor = new("METRICS_ADDR", "0.0.0.0:9091");
    public static readonly ServiceAddress Enricher = new("METRICS_ADDR", "0.0.0.0:9090");

    /// <summary>
    /// Turns <c>host:port</c> into a Kestrel URL. An address that is already a URL is kept.
    /// </summary>
    public static string ToUrl(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        address = address.Trim();
        if (address.Contains("://", StringComparison.Ordinal))
        {
            return address;
        }

        var separator = address.LastIndexOf(':');
        if (separator <= 0 || !int.TryParse(address.AsSpan(separator + 1), out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"'{address}' is not a host:port address");
        }

        var host = address[..separator];
        // Kestrel reads "0.0.0.0" as IPv4-any; "*" would also bind IPv6.
        return $"http://{host}:{port}";
    }
}
