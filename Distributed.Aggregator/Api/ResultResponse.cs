using System.Text.Json.Serialization;
using Distributed.Aggregator.Data;
using Distributed.Contracts;

namespace Distributed.Aggregator.Api;

/// <summary>A row of <c>GET /results</c>, with the contract's snake_case names.</summary>
public sealed record ResultResponse(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("request_id")] Guid RequestId,
    [property: JsonPropertyName("task_type")] string TaskType,
    [property: JsonPropertyName("payload")] RawJson Payload,
    [property: JsonPropertyName("enrichment")] RawJson? Enrichment,
    [property: JsonPropertyName("processed_at")] DateTimeOffset ProcessedAt,
    [property: JsonPropertyName("processor_id")] string ProcessorId,
    [property: JsonPropertyName("trace_id")] string? TraceId)
{
    public static ResultResponse From(ResultRow row) => new(
        row.Id,
        row.RequestId,
        row.TaskType,
        // jsonb's own text, written through as it is: no parse, so no depth limit of a reader.
        RawJson.FromText(row.Payload),
        row.Enrichment is null ? null : RawJson.FromText(row.Enrichment),
        row.ProcessedAt,
        row.ProcessorId,
        row.TraceId);
}

public sealed record TaskTypeCount(
    [property: JsonPropertyName("task_type")] string TaskType,
    [property: JsonPropertyName("count")] long Count);

/// <param name="ByTaskType">The <see cref="MaxTaskTypes"/> largest task types, by count descending: bounded however many types clients invent.</param>
public sealed record StatsResponse(
    [property: JsonPropertyName("total_results")] long TotalResults,
    [property: JsonPropertyName("by_task_type")] IReadOnlyList<TaskTypeCount> ByTaskType)
{
    public const int MaxTaskTypes = 1000;
}
