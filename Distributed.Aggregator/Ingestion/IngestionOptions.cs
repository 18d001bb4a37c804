using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Distributed.Aggregator.Ingestion;

public sealed class IngestionOptions
{
    /// <summary>Most results written in one INSERT.</summary>
    [ConfigurationKeyName("AGGREGATOR_BATCH_SIZE")]
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 256;

    /// <summary>How long a partial batch waits for more results before it is written.</summary>
    [ConfigurationKeyName("AGGREGATOR_FLUSH_MS")]
    [Range(1, 10_000)]
    public int FlushMs { get; set; } = 20;
}
