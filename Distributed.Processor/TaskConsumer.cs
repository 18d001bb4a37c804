using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Processor;

/// <summary>
/// Consumes the shared durable consumer <c>processors</c> (each task goes to one replica) and
/// works on at most PROCESSOR_CONCURRENCY tasks at once. Pulls are pipelined (the client asks
/// for more while it still holds some), yet a replica never holds more than that many tasks it
/// has not started, so a crash strands few and a slow replica does not hoard work.
/// </summary>
public sealed partial class TaskConsumer(
    JetStreamProvisioner provisioner,
    TaskHandler handler,
    IntakeSwitch intake,
    IOptions<ProcessorOptions> options,
    PipelineMetrics metrics,
    ILogger<TaskConsumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var concurrency = options.Value.Concurrency;
        var consumer = await provisioner.EnsureConsumerAsync(
            JetStreamNames.TasksStream, PipelineTopology.Processors(options.Value.AckWait, options.Value.MaxDeliveries), stoppingToken);

        LogStarted(options.Value.ProcessorId, concurrency);
        metrics.ExposeFailureCounters(TaskHandler.Stage, degraded: true);
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var inFlight = new InFlightTasks();
        var consumeOpts = new NatsJSConsumeOpts
        {
            // The buffer is the bound on tasks held but not started; the client re-pulls when
            // half of it is used, so a pull's round trip overlaps work instead of preceding it.
            MaxMsgs = concurrency,
            // Short pulls with heartbeats: a pull left behind by a replica that died holds tasks
            // for seconds at most, and after NATS restarts a forgotten pull is noticed as fast.
            Expires = TimeSpan.FromSeconds(5),
            IdleHeartbeat = TimeSpan.FromSeconds(2),
            // On shutdown the buffered tasks are still handed over, so each is nak'ed below and
            // goes to another replica at once instead of waiting out its ack wait.
            DrainOnCancel = true,
        };

        while (!stoppingToken.IsCancellationRequested)
        {
            CancellationToken paused;
            try
            {
                paused = await intake.WhenTakingAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            using var consuming = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, paused);
            try
            {
                // Paused, the pull ends; the tasks already buffered are still handed over and run.
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: consumeOpts, cancellationToken: consuming.Token))
                {
                    if (!await TakeSlotAsync(slots, stoppingToken))
                    {
                        await msg.NakAsync(cancellationToken: CancellationToken.None).AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        continue;
                    }

                    inFlight.Track(RunAsync(msg, slots, stoppingToken));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (OperationCanceledException) when (paused.IsCancellationRequested)
            {
                // Paused: wait above until resumed.
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                await provisioner.ResumeAfterAsync(ex, JetStreamNames.ProcessorsConsumer, stoppingToken);
            }
        }

        // In-flight tasks see the cancellation and nak; unacked ones are redelivered anyway.
        await inFlight.WhenAllAsync();
    }

    /// <returns>False when the service is stopping: the task is not started.</returns>
    private static async Task<bool> TakeSlotAsync(SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await slots.WaitAsync(stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
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
