using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Distributed.Messaging;

/// <summary>
/// What shapes the durable consumers and the key-value bucket, read by whoever declares them: the
/// provisioner, or a service that declares its own part where NATS has no authorization. The
/// variables are the services' own, so a by-hand service and the provisioning step agree.
/// </summary>
public sealed class TopologySettings
{
    /// <summary>Deliveries of one message before it is moved to the dead-letter stream.</summary>
    [ConfigurationKeyName(DeliveryLimit.VariableName)]
    [Range(2, 1000)]
    public int MaxDeliveries { get; set; } = DeliveryLimit.Default;

    /// <summary>The processors' simulated work per task: part of how long a task may stay unacked.</summary>
    [ConfigurationKeyName("PROCESSING_DELAY_MS")]
    [Range(0, 600_000)]
    public int ProcessingDelayMs { get; set; } = 50;

    /// <summary>How long one enrichment request may take: the rest of how long a task may stay unacked.</summary>
    [ConfigurationKeyName("ENRICH_TIMEOUT_MS")]
    [Range(1, 600_000)]
    public int EnrichTimeoutMs { get; set; } = 2000;

    /// <summary>How long an Idempotency-Key is remembered with its body; a day by default.</summary>
    [ConfigurationKeyName("IDEMPOTENCY_WINDOW_SECONDS")]
    [Range(1, 30 * 24 * 3600)]
    public int IdempotencyWindowSeconds { get; set; } = 24 * 3600;

    public TimeSpan IdempotencyWindow => TimeSpan.FromSeconds(IdempotencyWindowSeconds);

    public TimeSpan ProcessorAckWait => PipelineTopology.ProcessorAckWait(ProcessingDelayMs, EnrichTimeoutMs);
}
