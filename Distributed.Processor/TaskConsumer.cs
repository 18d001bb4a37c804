using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Options;

namespace Distributed.Processor;

/// <summary>
/// Consumes the shared durable consumer <c>processors</c> (each task goes to one replica),
/// working on at most PROCESSOR_CONCURRENCY tasks at once, and pulls nothing while paused.
/// </summary>
public sealed partial class TaskConsumer(
    ConsumeLoop loop,
    TaskHandler handler,
    IntakeSwitch intake,
    IOptions<ProcessorOptions> options,
    PipelineMetrics metrics,
    ILogger<TaskConsumer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        LogStarted(settings.ProcessorId, settings.Concurrency);
        metrics.ExposeFailureCounters(TaskHandler.Stage, degraded: true);
        var consumer = new ConsumerSettings(
            TaskHandler.Stage, JetStreamNames.TasksStream, PipelineTopology.Processors(settings.AckWait, settings.MaxDeliveries),
            Subjects.TasksPrefix + "*", settings.MaxDeliveries);
        return loop.RunAsync(consumer, handler, settings.Concurrency, intake.WhenTakingAsync, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {ProcessorId} consuming tasks with concurrency {Concurrency}")]
    private partial void LogStarted(string processorId, int concurrency);
}
