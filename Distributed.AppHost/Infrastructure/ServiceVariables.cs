namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// The service settings the AppHost passes through from its own environment (or .env), per
/// service, only when set, so the services' defaults hold otherwise. The rest of a service's
/// variables (NATS_URL, DATABASE_URL, *_ADDR, METRICS_ADDR, PROCESSOR_ID) are the AppHost's to
/// set: it gives connection strings, ports and replica ids of its own.
/// </summary>
public static class ServiceVariables
{
    private static readonly string[] Streams = ["STREAM_MAX_MSGS", "STREAM_MAX_BYTES"];
    private static readonly string[] Tracing = ["OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "TRACE_PLUMBING"];

    public static readonly IReadOnlyList<string> Enricher = ["ENRICH_DELAY_MS", "ENRICHER_CONCURRENCY", .. Streams, .. Tracing];

    public static readonly IReadOnlyList<string> Processor =
        ["PROCESSING_DELAY_MS", "ENRICH_TIMEOUT_MS", "PROCESSOR_CONCURRENCY", "ENRICH_MAX_ATTEMPTS", "ENRICH_RETRY_DELAY_MS", "MAX_DELIVERIES", .. Streams, .. Tracing];

    public static readonly IReadOnlyList<string> Aggregator = ["AUTH_ENABLED", "AUTH_CLIENT_CLAIM", "AGGREGATOR_BATCH_SIZE", "AGGREGATOR_FLUSH_MS", "MAX_DELIVERIES", .. Streams, .. Tracing];

    public static readonly IReadOnlyList<string> Gateway =
        ["AUTH_ENABLED", "AUTH_CLIENT_CLAIM", "IDEMPOTENCY_WINDOW_SECONDS", "GATEWAY_MAX_CONCURRENT_REQUESTS", "GATEWAY_ANSWER_DEADLINE_MS", "GATEWAY_CLIENT_TASKS_PER_SECOND", "GATEWAY_CLIENT_TASK_BURST", .. Streams, .. Tracing];

    /// <summary>
    /// The bearer token validation the two HTTP APIs take (issuer, audiences, signing keys or an
    /// OIDC authority), as ASP.NET Core reads it: set once for the AppHost, it reaches both.
    /// </summary>
    public const string AuthenticationSection = "Authentication";

    /// <summary>What shapes the streams, the bucket and the consumers the provisioning step declares (<c>TopologySettings</c>, <c>StreamLimits</c>).</summary>
    public static readonly IReadOnlyList<string> Provisioning =
        ["MAX_DELIVERIES", "PROCESSING_DELAY_MS", "ENRICH_TIMEOUT_MS", "IDEMPOTENCY_WINDOW_SECONDS", .. Streams];

    public static IEnumerable<string> All => Enricher.Concat(Processor).Concat(Aggregator).Concat(Gateway).Concat(Provisioning).Distinct();
}
