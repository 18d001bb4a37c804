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
        // jsonb takes the JSON text exactly as the client sent it to the gateway.
        Payload = result.Payload.ToString(),
        Enrichment = result.Enrichment is null ? null : JsonSerializer.Serialize(result.Enrichment, ContractJsonContext.Default.EnrichmentReply),
        ProcessedAt = result.ProcessedAt.ToUniversalTime(),
        ProcessorId = result.ProcessorId,
        TraceId = traceId,
    };
}
