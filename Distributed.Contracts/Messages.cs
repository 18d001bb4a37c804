namespace Distributed.Contracts;

/// <summary>A message that can be well-formed JSON and still not be one the pipeline can act on.</summary>
public interface IContractMessage
{
    /// <summary>Why this decoded message cannot be processed, or null when it can.</summary>
    string? Problem();
}

/// <summary>A task as the gateway publishes it on <c>tasks.&lt;task_type&gt;</c>.</summary>
public sealed record TaskMessage(Guid RequestId, string TaskType, RawJson Data, DateTimeOffset SubmittedAt) : IContractMessage
{
    public string? Problem() => ContractRules.Problem(RequestId, TaskType, Data, "data");
}

/// <summary>What the processor asks the enricher on <c>enrich.request</c>.</summary>
public sealed record EnrichmentRequest(Guid RequestId, string TaskType, RawJson Data) : IContractMessage
{
    public string? Problem() => ContractRules.Problem(RequestId, TaskType, Data, "data");
}

public sealed record GeoPoint(double Lat, double Lon);

/// <summary>The enricher's answer; deterministic in the request id.</summary>
public sealed record EnrichmentReply(Guid RequestId, IReadOnlyList<string> Tags, GeoPoint Geo, DateTimeOffset EnrichedAt) : IContractMessage
{
    public string? Problem() => Tags is null || Geo is null ? "tags and geo are required" : null;
}

/// <summary>A processed task as the processor publishes it on <c>results.&lt;task_type&gt;</c>.</summary>
public sealed record ResultMessage(
    Guid RequestId,
    string TaskType,
    RawJson Payload,
    EnrichmentReply? Enrichment,
    string ProcessorId,
    DateTimeOffset ProcessedAt) : IContractMessage
{
    public string? Problem() => ContractRules.Problem(RequestId, TaskType, Payload, "payload")
        ?? (string.IsNullOrEmpty(ProcessorId) ? "processor_id is required" : null);
}

internal static class ContractRules
{
    public static string? Problem(Guid requestId, string? taskType, RawJson data, string dataName) =>
        requestId == Guid.Empty ? "request_id is missing"
        : !TaskTypeRule.IsValid(taskType) ? "task_type is missing or not a valid subject token"
        : data.IsMissing ? $"{dataName} is missing"
        : null;
}
