using System.Text.Json;
using System.Text.Json.Serialization;
using Distributed.Aggregator.Data;

namespace Distributed.Aggregator.Api;

/// <summary>A row of <c>GET /results</c>, with the spec's snake_case names.</summary>
public sealed record ResultResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("request_id")] Guid RequestId,
    [property: JsonPropertyName("task_type")] string TaskType,
    [property: JsonPropertyName("payload")] JsonElement Payload,
    [property: JsonPropertyName("enrichment")] JsonElement? Enrichment,
    [property: JsonPropertyName("processed_at")] DateTimeOffset ProcessedAt,
    [property: JsonPropertyName("processor_id")] string ProcessorId,
    [property: JsonPropertyName("trace_id")] string? TraceId)
{
    public static ResultResponse From(ResultRow row) => new(
        row.Id,
        row.RequestId,
        row.TaskType,
        Parse(row.Payload),
        row.Enrichment is null ? null : Parse(row.Enrichment),
        row.ProcessedAt,
        row.ProcessorId,
        row.TraceId);

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

public sealed record TaskTypeCount(
    [property: JsonPropertyName("task_type")] string TaskType,
    [property: JsonPropertyName("count")] long Count);

public sealed record StatsResponse(
    [property: JsonPropertyName("total_results")] long TotalResults,
    [property: JsonPropertyName("by_task_type")] IReadOnlyList<TaskTypeCount> ByTaskType);
