using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Distributed.ServiceDefaults.Http;

public static class ListenAddressExtensions
{
    /// <summary>
    /// The service's *_ADDR variable wins; otherwise URLs set by the host (Aspire sets
    /// ASPNETCORE_URLS / HTTP_PORTS for each replica) are kept; otherwise its default.
    /// </summary>
    public static void ConfigureListenAddress(this IHostApplicationBuilder builder, ServiceAddress address)
    {
        var configured = builder.Configuration[address.Variable];
        var hostUrls = builder.Configuration["URLS"] ?? builder.Configuration["ASPNETCORE_URLS"];
        var hostPorts = builder.Configuration["HTTP_PORTS"] ?? builder.Configuration["ASPNETCORE_HTTP_PORTS"];

        string? url = !string.IsNullOrWhiteSpace(configured)
            ? ServiceAddress.ToUrl(configured)
            : string.IsNullOrWhiteSpace(hostUrls) && string.IsNullOrWhiteSpace(hostPorts)
                ? ServiceAddress.ToUrl(address.Default)
                : null;

        if (url is not null)
        {
            builder.Configuration["URLS"] = MetricsPort(builder.Configuration) is { } metricsPort ? $"{url};http://0.0.0.0:{metricsPort}" : url;
        }
    }

    /// <summary>
    /// Where an HTTP API serves <c>/metrics</c> when it should not be on the API's own port (a
    /// public NodePort): a port of its own, opened beside the API's, that only Prometheus is let reach.
    /// </summary>
    public const string MetricsPortVariable = "METRICS_PORT";

    public static int? MetricsPort(IConfiguration configuration) =>
        configuration[MetricsPortVariable] is { Length: > 0 } value
            ? int.TryParse(value, out var port) && port is > 0 and < 65536 ? port : throw new FormatException($"{MetricsPortVariable} '{value}' is not a port")
            : null;
}
