using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Distributed.Aggregator.Api;

/// <summary>
/// While PostgreSQL is down a query is not the client's fault nor a bug: answer 503 with
/// Retry-After, as the gateway does when NATS is down, rather than a bare 500.
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    private const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsDatabaseUnavailable(exception))
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = $"PostgreSQL cannot be reached; retry after {RetryAfterSeconds} s.",
            },
        });
    }

    // EF wraps the driver's error (and that one wraps the socket's), so look down the chain.
    private static bool IsDatabaseUnavailable(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is NpgsqlException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
