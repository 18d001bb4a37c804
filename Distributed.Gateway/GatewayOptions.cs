using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Distributed.Gateway;

public sealed class GatewayOptions
{
    /// <summary>
    /// Task submissions waiting on NATS at once (a slot is taken once the body has arrived); beyond
    /// it a request is answered 503 with Retry-After at once.
    /// </summary>
    [ConfigurationKeyName("GATEWAY_MAX_CONCURRENT_REQUESTS")]
    [Range(1, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 256;

    /// <summary>
    /// How long a submission may wait on NATS, once its body has arrived: past it the client gets
    /// a 503 at once (saying the outcome is unknown when the task had left), whatever has failed.
    /// </summary>
    [ConfigurationKeyName("GATEWAY_ANSWER_DEADLINE_MS")]
    [Range(500, 30_000)]
    public int AnswerDeadlineMs { get; set; } = 3000;

    public TimeSpan AnswerDeadline => TimeSpan.FromMilliseconds(AnswerDeadlineMs);
}
