using Microsoft.AspNetCore.Diagnostics;
using Distributed.Aggregator.Data;
using Distributed.ServiceDefaults.Http;

namespace Distributed.Aggregator.Api;

/// <summary>
/// While PostgreSQL is down a query is not the client's fault nor a bug: answer 503 with
/// Retry-After, as the gateway does when NATS is down. Any other database error is a bug and
/// stays a 500, so it is not hidden behind "try again".
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!PostgresFailure.IsUnavailable(exception))
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        RetryAfter.Apply(httpContext.Response);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = $"PostgreSQL cannot be reached; retry after {RetryAfter.Seconds} s.",
            },
        });
    }
}
