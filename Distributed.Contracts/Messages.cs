using System.Text.Json;

namespace Distributed.Contracts;

/// <summary>A task as the gateway publishes it on <c>tasks.&lt;task_type&gt;</c>.</summary>
public sealed record TaskMessage(Guid RequestId, string TaskType, JsonElement Data, DateTimeOffset SubmittedAt);

/// <summary>What the processor asks the enricher on <c>enrich.request</c>.</summary>
public sealed record EnrichmentRequest(Guid RequestId, string TaskType, JsonElement Data);

public sealed record GeoPoint(double Lat, double Lon);

/// <summary>The enricher's answer; deterministic in the request id.</summary>
public sealed record EnrichmentReply(Guid RequestId, IReadOnlyList<string> Tags, GeoPoint Geo, DateTimeOffset EnrichedAt);

/// <summary>A processed task as the processor publishes it on <c>results.&lt;task_type&gt;</c>.</summary>
public sealed record ResultMessage(
    Guid RequestId,
    string TaskType,
    JsonElement Payload,
    EnrichmentReply? Enrichment,
    string ProcessorId,
    DateTimeOffset ProcessedAt);
