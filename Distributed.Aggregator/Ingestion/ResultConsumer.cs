using Distributed.Aggregator.Data;
using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Options;

namespace Distributed.Aggregator.Ingestion;

/// <summary>
/// Consumes the results stream through the durable consumer <c>aggregator</c> in batches, once
/// the schema is in place. On shutdown it stores and acks what it already pulled, so nothing
/// waits out an ack timeout.
/// </summary>
public sealed class ResultConsumer(
    ConsumeLoop loop,
    ResultHandler handler,
    DatabaseMigrator migrator,
    IOptions<IngestionOptions> options,
    PipelineMetrics metrics) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ExposeFailureCounters(ResultHandler.Stage);
        await migrator.WaitUntilReadyAsync(stoppingToken);
        var settings = options.Value;
        var consumer = new ConsumerSettings(
            ResultHandler.Stage, JetStreamNames.ResultsStream, PipelineTopology.Aggregator(settings.MaxDeliveries),
            Subjects.ResultsPrefix + "*", settings.MaxDeliveries);
        await loop.RunBatchesAsync(consumer, handler, settings.BatchSize, settings.FlushMs, stoppingToken);
    }
}
