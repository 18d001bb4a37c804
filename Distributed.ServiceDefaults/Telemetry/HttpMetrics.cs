using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Distributed.ServiceDefaults.Telemetry;

/// <summary><c>http_requests_total{method,path,status}</c> and <c>http_request_duration_seconds</c>, as in the original.</summary>
public sealed class HttpMetrics
{
    public const string MeterName = "Distributed.Http";

    /// <summary>Bucket bounds in seconds, from sub-millisecond to a request that waited on a timeout.</summary>
    private static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public HttpMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("http_requests", description: "HTTP requests answered, by method, route and status.");
        _duration = meter.CreateHistogram("http_request_duration", "s", "Time to answer an HTTP request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
    }

    private static readonly HashSet<string> KnownMethods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    };

    /// <summary>
    /// A client may send any token as a method; only the standard ones become label values, the
    /// rest are <c>_OTHER</c>, as OpenTelemetry's HTTP conventions do, so clients cannot grow the series.
    /// </summary>
    public static string MethodLabel(string method) => KnownMethods.Contains(method) ? method : "_OTHER";

    public void Record(string method, string path, int status, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "method", MethodLabel(method) },
            { "path", path },
            { "status", status.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }
}
