using Distributed.Contracts;
using Distributed.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Processor;

/// <summary>
/// Pulls from the shared durable consumer <c>processors</c> (each task goes to one replica) and
/// works on at most PROCESSOR_CONCURRENCY tasks at once; the pull buffer is sized to match, so a
/// processor never holds more than that in memory.
/// </summary>
public sealed partial class TaskConsumer(
    JetStreamTopology topology,
    TaskHandler handler,
    IOptions<ProcessorOptions> options,
    ILogger<TaskConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan AckWait = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var concurrency = options.Value.Concurrency;
        var consumer = await topology.EnsureConsumerAsync(Subjects.TasksStream, new ConsumerConfig(Subjects.ProcessorsConsumer)
        {
            DurableName = Subjects.ProcessorsConsumer,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = AckWait,
            MaxAckPending = 10_000,
        }, stoppingToken);

        LogStarted(options.Value.ProcessorId, concurrency);
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var inFlight = new HashSet<Task>();
        var consumeOpts = new NatsJSConsumeOpts { MaxMsgs = concurrency };

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: consumeOpts, cancellationToken: stoppingToken))
                {
                    await slots.WaitAsync(stoppingToken);
                    var work = RunAsync(msg, slots, stoppingToken);
                    lock (inFlight)
                    {
                        inFlight.Add(work);
                    }

                    _ = work.ContinueWith(done => { lock (inFlight) { inFlight.Remove(done); } }, TaskScheduler.Default);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                LogConsumeInterrupted(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        Task[] pending;
        lock (inFlight)
        {
            pending = [.. inFlight];
        }

        // In-flight tasks see the cancellation and nak; unacked ones are redelivered anyway.
        await Task.WhenAll(pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync(INatsJSMsg<byte[]> msg, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await handler.HandleAsync(msg, stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task consumption interrupted ({Reason}); resuming")]
    private partial void LogConsumeInterrupted(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task on {Subject} failed ({Reason}); asked for redelivery")]
    private partial void LogTaskFailed(string subject, string reason);
}
