using System.Text.Json;
using Distributed.Aggregator.Data;
using Distributed.Contracts;

namespace Distributed.Aggregator.Ingestion;

public static class ResultMapping
{
    public static ResultRow ToRow(ResultMessage result, string? traceId) => new()
    {
        RequestId = result.RequestId,
        TaskType = result.TaskType,
        // jsonb columns take the JSON text as published; "data": null is stored as JSON null.
        Payload = result.Payload.ValueKind == JsonValueKind.Undefined ? "null" : result.Payload.GetRawText(),
        Enrichment = result.Enrichment is null ? null : JsonSerializer.Serialize(result.Enrichment, ContractJsonContext.Default.EnrichmentReply),
        ProcessedAt = result.ProcessedAt.ToUniversalTime(),
        ProcessorId = result.ProcessorId,
        TraceId = traceId,
    };
}
