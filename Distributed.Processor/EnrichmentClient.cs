using System.Diagnostics;
using Distributed.Messaging;
using Distributed.Contracts;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Distributed.Processor;

/// <summary>Request-reply to the enricher service, bounded by ENRICH_TIMEOUT_MS.</summary>
public sealed class EnrichmentClient(INatsConnection connection, IOptions<ProcessorOptions> options, PipelineMetrics metrics)
{
    private const string ServiceErrorHeader = "Nats-Service-Error";

    public async Task<EnrichmentOutcome> EnrichAsync(TaskMessage task, CancellationToken cancellationToken)
    {
        var request = ContractJson.Serialize(new EnrichmentRequest(task.RequestId, task.TaskType, task.Data));
        using var span = PipelineTracing.StartSend(Subjects.EnrichRequest, Subjects.EnrichRequest, ActivityKind.Client);
        var outcome = await RequestAsync(request, cancellationToken);
        if (outcome.Failure is not null)
        {
            span?.SetStatus(ActivityStatusCode.Error, outcome.Failure);
        }

        return outcome;
    }

    private async Task<EnrichmentOutcome> RequestAsync(byte[] request, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await connection.RequestAsync<byte[], byte[]>(
                Subjects.EnrichRequest,
                request,
                headers: PipelineTracing.TraceContextHeaders(),
                replyOpts: new NatsSubOpts { Timeout = options.Value.EnrichTimeout },
                cancellationToken: cancellationToken);
            metrics.Published(Subjects.EnrichRequest);

            if (reply.Headers?.TryGetValue(ServiceErrorHeader, out var serviceError) == true)
            {
                return EnrichmentOutcome.Failed($"enricher answered an error: {serviceError}");
            }

            return ContractJson.TryDecode<EnrichmentReply>(reply.Data ?? [], out var enrichment, out var error)
                ? EnrichmentOutcome.Succeeded(enrichment!)
                : EnrichmentOutcome.Failed(error!);
        }
        catch (NatsNoRespondersException)
        {
            return EnrichmentOutcome.Failed("no enricher is running");
        }
        catch (NatsNoReplyException)
        {
            return EnrichmentOutcome.Failed($"the enricher did not answer within {options.Value.EnrichTimeoutMs} ms");
        }
        catch (NatsException ex)
        {
            return EnrichmentOutcome.Failed(ex.Message);
        }
    }
}

public sealed record EnrichmentOutcome(EnrichmentReply? Reply, string? Failure)
{
    public static EnrichmentOutcome Succeeded(EnrichmentReply reply) => new(reply, null);

    public static EnrichmentOutcome Failed(string reason) => new(null, reason);
}
