using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.Services;

namespace Distributed.Enricher;

/// <summary>
/// The <c>enricher</c> NATS micro-service: discoverable through $SRV.PING/INFO/STATS, its
/// <c>enrich.request</c> endpoint in a queue group so replicas share the requests.
/// </summary>
public sealed partial class EnrichmentService(
    NatsConnection connection,
    IOptions<EnricherOptions> options,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<EnrichmentService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await connection.ConnectAsync();
        var services = new NatsSvcContext(connection);
        var config = new NatsSvcConfig(JetStreamNames.EnricherServiceName, "1.0.0")
        {
            Description = "Returns simulated enrichment (tags, geo) for a task",
            QueueGroup = JetStreamNames.EnricherQueueGroup,
        };

        var service = await services.AddServiceAsync(config, stoppingToken);
        using var slots = new SemaphoreSlim(options.Value.Concurrency);
        var inFlight = new InFlightTasks();

        try
        {
            // The service framework hands an endpoint's requests over one at a time; answering each
            // on its own task lets one enricher serve many requests during their simulated delay.
            await service.AddEndpointAsync<byte[]>(
                async msg =>
                {
                    await slots.WaitAsync(CancellationToken.None);
                    inFlight.Track(AnswerAsync(msg, slots));
                },
                name: "enrich",
                subject: Subjects.EnrichRequest,
                cancellationToken: stoppingToken);
            LogStarted(Subjects.EnrichRequest, JetStreamNames.EnricherQueueGroup);
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            // Stop taking requests first, then answer those already taken; the slots go last,
            // since the endpoint's handler waits on them.
            await service.DisposeAsync();
            await inFlight.WhenAllAsync();
        }
    }

    private async Task AnswerAsync(NatsSvcMsg<byte[]> msg, SemaphoreSlim slots)
    {
        try
        {
            await HandleAsync(msg);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task HandleAsync(NatsSvcMsg<byte[]> msg)
    {
        metrics.Received(msg.Subject);
        using var activity = PipelineTracing.StartProcessing(msg.Headers, msg.Subject, Subjects.EnrichRequest);

        // A malformed request gets a service error reply (counted in $SRV.STATS), not silence.
        if (!ContractJson.TryDecode<EnrichmentRequest>(msg.Data ?? [], out var request, out var error))
        {
            await msg.ReplyErrorAsync(400, error!);
            return;
        }

        var delay = options.Value.EnrichDelayMs;
        if (delay > 0)
        {
            await Task.Delay(delay);
        }

        activity.TagTask(request!.RequestId, request.TaskType);
        var reply = EnrichmentFormula.Enrich(request.RequestId, request.TaskType, clock.GetUtcNow());
        await msg.ReplyAsync(ContractJson.Serialize(reply));
        metrics.Enriched();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Enricher serving {Subject} in queue group {QueueGroup}")]
    private partial void LogStarted(string subject, string queueGroup);
}
