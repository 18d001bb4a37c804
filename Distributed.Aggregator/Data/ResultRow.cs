namespace Distributed.Aggregator.Data;

/// <summary>One stored result: the <c>results</c> table of the original plus the task's trace id.</summary>
public sealed class ResultRow
{
    public Guid Id { get; set; }

    public Guid RequestId { get; set; }

    /// <summary>The client that sent the task (<see cref="Distributed.Contracts.ClientIdRule"/>); empty with authentication off.</summary>
    public string ClientId { get; set; } = Distributed.Contracts.ClientIdRule.Anonymous;

    public required string TaskType { get; set; }

    /// <summary>The task's data, as jsonb.</summary>
    public required string Payload { get; set; }

    /// <summary>The enricher's reply as jsonb, or null when the task was stored degraded.</summary>
    public string? Enrichment { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }

    public required string ProcessorId { get; set; }

    /// <summary>W3C trace id of the task's trace (32 hex digits).</summary>
    public string? TraceId { get; set; }
}
