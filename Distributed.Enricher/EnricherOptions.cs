using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Distributed.Enricher;

public sealed class EnricherOptions
{
    /// <summary>Simulated lookup time per request.</summary>
    [ConfigurationKeyName("ENRICH_DELAY_MS")]
    [Range(0, 60_000)]
    public int EnrichDelayMs { get; set; } = 10;

    /// <summary>Requests one enricher answers at once.</summary>
    [ConfigurationKeyName("ENRICHER_CONCURRENCY")]
    [Range(1, 100_000)]
    public int Concurrency { get; set; } = 1024;
}
