using System.Threading.RateLimiting;
using Distributed.ServiceDefaults.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Distributed.Gateway;

/// <summary>
/// ASP.NET Core's rate limiter, partitioned by client: a token bucket each, filled at
/// <see cref="GatewayOptions.ClientTasksPerSecond"/> up to <see cref="GatewayOptions.ClientTaskBurst"/>.
/// One client flooding requests (or unique Idempotency-Keys, each of which the bucket of keys keeps
/// for its window) empties only its own bucket: it is answered 429 with Retry-After, problem+json,
/// while every other client's submissions go on being accepted. Checked after authentication and
/// before the body is read, so a refused request costs the gateway next to nothing.
/// </summary>
public static class ClientRateLimit
{
    public const string Policy = "per-client";

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    public static IServiceCollection AddClientRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
                var client = context.RequestServices.GetRequiredService<ApiClients>().PartitionOf(context);
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => Bucket(options));
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                var response = rejected.HttpContext.Response;
                response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var options = rejected.HttpContext.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many tasks",
                        detail: $"This client may submit {options.ClientTasksPerSecond} tasks/s (bursts of {options.ClientTaskBurst}); retry after {seconds} s.")
                    .ExecuteAsync(rejected.HttpContext);
            };
        });

    /// <summary>Refilled ten times a second (rates under 10/s once a second), so a client's allowance arrives smoothly.</summary>
    private static TokenBucketRateLimiterOptions Bucket(GatewayOptions options)
    {
        var perPeriod = options.ClientTasksPerSecond / 10;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.ClientTaskBurst,
            TokensPerPeriod = perPeriod > 0 ? perPeriod : options.ClientTasksPerSecond,
            ReplenishmentPeriod = perPeriod > 0 ? Period : TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
