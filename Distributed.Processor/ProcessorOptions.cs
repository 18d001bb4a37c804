using System.ComponentModel.DataAnnotations;
using Distributed.Messaging;
using Microsoft.Extensions.Configuration;

namespace Distributed.Processor;

public sealed class ProcessorOptions : IValidatableObject
{
    /// <summary>Names this replica in every result it publishes.</summary>
    [ConfigurationKeyName("PROCESSOR_ID")]
    public string ProcessorId { get; set; } = Guid.NewGuid().ToString();

    /// <summary>Simulated work per task.</summary>
    [ConfigurationKeyName("PROCESSING_DELAY_MS")]
    [Range(0, 600_000)]
    public int ProcessingDelayMs { get; set; } = 50;

    /// <summary>How long one enrichment request may take.</summary>
    [ConfigurationKeyName("ENRICH_TIMEOUT_MS")]
    [Range(1, 600_000)]
    public int EnrichTimeoutMs { get; set; } = 2000;

    /// <summary>Tasks one processor works on at once; also the most it holds in memory.</summary>
    [ConfigurationKeyName("PROCESSOR_CONCURRENCY")]
    [Range(1, 10_000)]
    public int Concurrency { get; set; } = 64;

    /// <summary>Deliveries of a task that may fail to enrich before it is stored without enrichment.</summary>
    [ConfigurationKeyName("ENRICH_MAX_ATTEMPTS")]
    [Range(1, 1000)]
    public int EnrichMaxAttempts { get; set; } = 5;

    /// <summary>First redelivery delay after a failed enrichment; doubles per attempt.</summary>
    [ConfigurationKeyName("ENRICH_RETRY_DELAY_MS")]
    [Range(1, 600_000)]
    public int EnrichRetryDelayMs { get; set; } = 500;

    /// <summary>Deliveries of one task before it is moved to the dead-letter stream.</summary>
    [ConfigurationKeyName(DeliveryLimit.VariableName)]
    [Range(2, 1000)]
    public int MaxDeliveries { get; set; } = DeliveryLimit.Default;

    public TimeSpan ProcessingDelay => TimeSpan.FromMilliseconds(ProcessingDelayMs);

    public TimeSpan EnrichTimeout => TimeSpan.FromMilliseconds(EnrichTimeoutMs);

    /// <summary>How long a delivered task may stay unacked (<see cref="PipelineTopology.ProcessorAckWait"/>).</summary>
    public TimeSpan AckWait => PipelineTopology.ProcessorAckWait(ProcessingDelayMs, EnrichTimeoutMs);

    /// <summary>Exponential backoff for redelivery, capped at 30 s.</summary>
    public TimeSpan RetryDelay(ulong deliveryAttempt)
    {
        var exponent = (int)Math.Min(deliveryAttempt == 0 ? 0 : deliveryAttempt - 1, 16);
        var delay = EnrichRetryDelayMs * Math.Pow(2, exponent);
        return TimeSpan.FromMilliseconds(Math.Min(delay, 30_000));
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A task that keeps failing to enrich must be stored degraded before it could be dead-lettered.
        if (EnrichMaxAttempts >= MaxDeliveries)
        {
            yield return new ValidationResult(
                $"ENRICH_MAX_ATTEMPTS ({EnrichMaxAttempts}) must be below {DeliveryLimit.VariableName} ({MaxDeliveries}).",
                [nameof(EnrichMaxAttempts), nameof(MaxDeliveries)]);
        }
    }
}
