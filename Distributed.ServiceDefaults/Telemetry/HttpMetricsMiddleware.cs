using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Distributed.ServiceDefaults.Telemetry;

/// <summary>
/// Records every answer, including those rejected before an endpoint ran. The path label is the
/// route template, never the raw path, so that ids in URLs cannot blow up the series count.
/// </summary>
public sealed class HttpMetricsMiddleware(RequestDelegate next, HttpMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            var path = route is null ? "unmatched" : "/" + route.TrimStart('/');
            metrics.Record(context.Request.Method, path, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
    }
}
