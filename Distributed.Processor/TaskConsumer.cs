using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Processor;

/// <summary>
/// Pulls from the shared durable consumer <c>processors</c> (each task goes to one replica) and
/// works on at most PROCESSOR_CONCURRENCY tasks at once. It pulls only as many tasks as it has
/// free slots, so a processor never holds more than that many in memory.
/// </summary>
public sealed partial class TaskConsumer(
    JetStreamProvisioner provisioner,
    TaskHandler handler,
    IOptions<ProcessorOptions> options,
    PipelineMetrics metrics,
    ILogger<TaskConsumer> logger) : BackgroundService
{
    // Short, so that a pull request left behind by a replica that died holds few tasks for long.
    private static readonly TimeSpan FetchExpiry = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var concurrency = options.Value.Concurrency;
        var consumer = await provisioner.EnsureConsumerAsync(
            JetStreamNames.TasksStream, PipelineTopology.Processors(options.Value.AckWait, options.Value.MaxDeliveries), stoppingToken);

        LogStarted(options.Value.ProcessorId, concurrency);
        metrics.ExposeFailureCounters(TaskHandler.Stage, degraded: true);
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var inFlight = new InFlightTasks();

        while (!stoppingToken.IsCancellationRequested)
        {
            var received = 0;
            try
            {
                // Pull only as many tasks as there are free slots: nothing waits in a client-side buffer.
                await slots.WaitAsync(stoppingToken);
                var fetchOpts = new NatsJSFetchOpts { MaxMsgs = slots.CurrentCount + 1, Expires = FetchExpiry };
                // The pull runs to its end (at most FetchExpiry) even on shutdown: a task the server
                // sends after we stopped reading would otherwise sit out the ack wait.
                await foreach (var msg in consumer.FetchAsync<byte[]>(fetchOpts, cancellationToken: CancellationToken.None))
                {
                    if (stoppingToken.IsCancellationRequested)
                    {
                        await msg.NakAsync(cancellationToken: CancellationToken.None);
                        continue;
                    }

                    if (received++ > 0)
                    {
                        await slots.WaitAsync(CancellationToken.None);
                    }

                    inFlight.Track(RunAsync(msg, slots, stoppingToken));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                await provisioner.ResumeAfterAsync(ex, JetStreamNames.ProcessorsConsumer, stoppingToken);
            }
            finally
            {
                if (received == 0 && !stoppingToken.IsCancellationRequested)
                {
                    // The slot taken for an empty pull goes back.
                    slots.Release();
                }
            }
        }

        // In-flight tasks see the cancellation and nak; unacked ones are redelivered anyway.
        await inFlight.WhenAllAsync();
    }

    private async Task RunAsync(INatsJSMsg<byte[]> msg, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await handler.HandleAsync(msg, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down mid-task: hand it back at once for another replica.
            await msg.NakAsync(cancellationToken: CancellationToken.None).AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (Exception ex)
        {
            LogTaskFailed(msg.Subject, ex.Message);
            // Not acked: ask for redelivery now rather than after the ack wait.
            await msg.NakAsync(new AckOpts { NakDelay = TimeSpan.FromSeconds(1) }, CancellationToken.None)
                .AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            slots.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {ProcessorId} consuming tasks with concurrency {Concurrency}")]
    private partial void LogStarted(string processorId, int concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task on {Subject} failed ({Reason}); asked for redelivery")]
    private partial void LogTaskFailed(string subject, string reason);
}
