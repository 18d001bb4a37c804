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
    FaultInjection faults,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<EnrichmentService> logger) : BackgroundService
{
    /// <summary>The error a failed-on-purpose request gets, so logs and traces say it was an experiment.</summary>
    public const string InjectedFailure = "injected fault: the enricher was told to fail requests (dashboard command 'Fail requests')";

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

        activity.TagTask(request.RequestId, request.TaskType);
        var delay = TimeSpan.FromMilliseconds(options.Value.EnrichDelayMs) + faults.ExtraLatency;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay);
        }

        if (faults.ShouldFail())
        {
            await msg.ReplyErrorAsync(503, InjectedFailure);
            return;
        }

        var reply = EnrichmentFormula.Enrich(request.RequestId, request.TaskType, clock.GetUtcNow());
        await msg.ReplyAsync(ContractJson.Serialize(reply));
        metrics.Enriched();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Enricher serving {Subject} in queue group {QueueGroup}")]
    private partial void LogStarted(string subject, string queueGroup);
}
