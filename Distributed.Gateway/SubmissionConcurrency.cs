using System.Threading.RateLimiting;
using Distributed.ServiceDefaults.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Distributed.Gateway;

/// <summary>
/// At most <see cref="GatewayOptions.MaxConcurrentRequests"/> task submissions at once. One more is
/// refused at once, before its body is read, with a 503 and Retry-After (problem+json), as when NATS
/// is away: a client's retry logic already knows that answer, and the gateway's memory stays bounded
/// however many connections arrive.
/// </summary>
public static class SubmissionConcurrency
{
    public const string Policy = "task-submissions";

    public static IServiceCollection AddSubmissionConcurrencyLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<GatewayOptions>>((options, gateway) =>
        {
            options.AddConcurrencyLimiter(Policy, limiter =>
            {
                limiter.PermitLimit = gateway.Value.MaxConcurrentRequests;
                limiter.QueueLimit = 0;
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                RetryAfter.Apply(context.HttpContext.Response);
                await TypedResults.Problem(
                        statusCode: StatusCodes.Status503ServiceUnavailable,
                        title: "Gateway busy",
                        detail: $"{gateway.Value.MaxConcurrentRequests} tasks are being submitted already; retry after {RetryAfter.Seconds} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}
