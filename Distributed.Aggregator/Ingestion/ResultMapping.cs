using System.Text.Json;
using Distributed.Aggregator.Data;
using Distributed.Contracts;
using NATS.Client.Core;

namespace Distributed.Aggregator.Ingestion;

public static class ResultMapping
{
    public static ResultRow ToRow(ResultMessage result, string client, string? traceId) => new()
    {
        RequestId = result.RequestId,
        ClientId = client,
        TaskType = result.TaskType,
        // jsonb takes the JSON text exactly as the client sent it to the gateway.
        Payload = result.Payload.ToString(),
        Enrichment = result.Enrichment is null ? null : JsonSerializer.Serialize(result.Enrichment, ContractJsonContext.Default.EnrichmentReply),
        ProcessedAt = result.ProcessedAt.ToUniversalTime(),
        ProcessorId = result.ProcessorId,
        TraceId = traceId,
    };

    /// <summary>
    /// The client a result belongs to: its <see cref="MessageHeaders.Client"/> header, or the
    /// anonymous client without one. A header that cannot name a client is the result's own
    /// problem, stated so it can be dead-lettered.
    /// </summary>
    public static bool TryGetClient(NatsHeaders? headers, out string client, out string? problem)
    {
        problem = null;
        client = ClientIdRule.Anonymous;
        if (headers?.TryGetValue(MessageHeaders.Client, out var values) != true)
        {
            return true;
        }

        if (values.Count == 1 && ClientIdRule.IsValid(values[0]))
        {
            client = values[0]!;
            return true;
        }

        problem = $"the {MessageHeaders.Client} header is not one client id of 1-{ClientIdRule.MaxLength} printable ASCII characters";
        return false;
    }
}
