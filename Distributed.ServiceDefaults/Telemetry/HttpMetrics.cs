using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Distributed.ServiceDefaults.Telemetry;

/// <summary><c>http_requests_total{method,path,status}</c> and <c>http_request_duration_seconds</c>, as in the original.</summary>
public sealed class HttpMetrics
{
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public HttpMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(PipelineMetrics.MeterName);
        _requests = meter.CreateCounter<long>("http_requests", description: "HTTP requests answered, by method, route and status.");
        _duration = meter.CreateHistogram("http_request_duration", "s", "Time to answer an HTTP request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PipelineMetrics.LatencyBuckets });
    }

    public void Record(string method, string path, int status, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "method", method },
            { "path", path },
            { "status", status.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }
}
