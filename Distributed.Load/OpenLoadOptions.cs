namespace Distributed.Load;

/// <summary>What an <see cref="OpenLoad"/> sends, how fast, and how its clients behave.</summary>
public sealed record OpenLoadOptions
{
    public required string TaskType { get; init; }

    /// <summary>Tasks per second; 0 sends them all at once (a burst of <see cref="Count"/>).</summary>
    public required double Rate { get; init; }

    /// <summary>How many tasks; null sends until stopped.</summary>
    public long? Count { get; init; }

    /// <summary>
    /// Requests waiting for an answer at once. Past it the gateway is not keeping up: a task that
    /// comes due then is skipped and counted, not queued, so the schedule never slows down.
    /// </summary>
    public int MaxInFlight { get; init; } = 512;

    /// <summary>
    /// When set, each client does what the README tells one to: it sends its task with an
    /// <c>Idempotency-Key</c> and sends it again, same key, after each 503's <c>Retry-After</c> or a
    /// request that got no answer, until a 202 or until this long has passed since its first try.
    /// </summary>
    public TimeSpan? RetryFor { get; init; }

    /// <summary>The task's <c>data</c> as JSON, from its sequence number.</summary>
    public Func<long, string> Data { get; init; } = sequence => $$"""{"seq":{{sequence}}}""";
}
