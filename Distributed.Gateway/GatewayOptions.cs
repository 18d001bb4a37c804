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

    /// <summary>
    /// Task submissions one client may make per second, on average, per gateway replica (a client
    /// is its token's client claim, or with authentication off its remote address); past it and
    /// its burst, a submission is answered 429 with Retry-After, and other clients go on as before.
    /// </summary>
    [ConfigurationKeyName("GATEWAY_CLIENT_TASKS_PER_SECOND")]
    [Range(1, 10_000_000)]
    public int ClientTasksPerSecond { get; set; } = 1000;

    /// <summary>Submissions one client may make at once above its rate, from a full bucket.</summary>
    [ConfigurationKeyName("GATEWAY_CLIENT_TASK_BURST")]
    [Range(1, 10_000_000)]
    public int ClientTaskBurst { get; set; } = 2000;
}
