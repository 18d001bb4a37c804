using System.ComponentModel.DataAnnotations;
using Distributed.Messaging;
using Microsoft.Extensions.Configuration;

namespace Distributed.Aggregator.Ingestion;

public sealed class IngestionOptions
{
    /// <summary>Most results written in one INSERT.</summary>
    [ConfigurationKeyName("AGGREGATOR_BATCH_SIZE")]
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// How long a partial batch waits for more results before it is written. 0: no wait — a
    /// batch is whatever arrived while the previous one was being written, so batches grow
    /// with the load and a lone result is not held back.
    /// </summary>
    [ConfigurationKeyName("AGGREGATOR_FLUSH_MS")]
    [Range(0, 10_000)]
    public int FlushMs { get; set; }

    /// <summary>Deliveries of one result before it is moved to the dead-letter stream.</summary>
    [ConfigurationKeyName(DeliveryLimit.VariableName)]
    [Range(2, 1000)]
    public int MaxDeliveries { get; set; } = DeliveryLimit.Default;
}
