using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Distributed.Contracts;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Messaging;

/// <summary>A durable consumer and what the loop needs to know to run it.</summary>
/// <param name="Stage">Names the dead letters (<c>deadletter.&lt;stage&gt;</c>) and the metrics.</param>
/// <param name="SubjectTemplate">The subjects it consumes, as spans name them (<c>results.*</c>).</param>
public sealed record ConsumerSettings(string Stage, string Stream, ConsumerConfig Config, string SubjectTemplate, int MaxDeliveries);

/// <summary>
/// The pipeline's one receive loop: pulls from a durable consumer, decodes each message, and
/// carries out what the service's handler decides — ack, nak with a delay, or a dead letter with
/// its reason — so that acks, naks and dead letters are written here alone. A message that
/// cannot be decoded, or has been delivered more than <c>MAX_DELIVERIES</c> times, never reaches
/// the handler. Per message (<see cref="RunAsync{T}"/>, up to a number at once) or in batches
/// (<see cref="RunBatchesAsync{T}"/>, held while the handler's dependency is away).
/// </summary>
public sealed partial class ConsumeLoop(
    JetStreamProvisioner provisioner,
    DeadLetterPublisher deadLetters,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<ConsumeLoop> logger)
{
    /// <summary>After a handler failed unexpectedly: soon, but not in a tight loop.</summary>
    private static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Hands each message to <paramref name="handler"/>, at most <paramref name="concurrency"/> at
    /// once. Pulls are pipelined (the client asks for more while it still holds some), yet no more
    /// than that many messages wait unstarted, so a crash strands few and a slow replica does not
    /// hoard work. <paramref name="whenTaking"/>, if given, pauses intake: it waits until taking
    /// and returns a token cancelled when paused. On shutdown unfinished messages are nak'ed, so
    /// another replica takes them at once.
    /// </summary>
    public async Task RunAsync<T>(
        ConsumerSettings settings,
        IMessageHandler<T> handler,
        int concurrency,
        Func<CancellationToken, Task<CancellationToken>>? whenTaking,
        CancellationToken stoppingToken)
        where T : class, IContractMessage
    {
        var consumer = await provisioner.EnsureConsumerAsync(settings.Stream, settings.Config, stoppingToken);
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var inFlight = new InFlightTasks();
        await PullAsync(consumer, settings, concurrency, whenTaking ?? AlwaysTaking, async msg =>
        {
            try
            {
                await slots.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                await NakNowAsync(msg);
                return;
            }

            inFlight.Track(HandleOneAsync(settings, handler, msg, slots, stoppingToken));
        }, stoppingToken);

        await inFlight.WhenAllAsync();
    }

    /// <summary>
    /// Hands messages to <paramref name="handler"/> in batches of up to <paramref name="batchSize"/>
    /// (<see cref="BatchWindow"/>). While the handler's dependency is unavailable the batch is held
    /// (its ack wait renewed) and pulling stops, so an outage costs no deliveries: what was not
    /// pulled stays in the stream. On shutdown what was pulled is handled before the loop ends.
    /// </summary>
    public async Task RunBatchesAsync<T>(
        ConsumerSettings settings,
        IBatchHandler<T> handler,
        int batchSize,
        int flushMs,
        CancellationToken stoppingToken)
        where T : class, IContractMessage
    {
        metrics.ExposeHolding(settings.Stage);
        var consumer = await provisioner.EnsureConsumerAsync(settings.Stream, settings.Config, stoppingToken);
        using var pulling = new ReceiveGate();
        var inbox = Channel.CreateBounded<INatsJSMsg<byte[]>>(new BoundedChannelOptions(batchSize * 2) { SingleReader = true, SingleWriter = true });
        var receiving = Task.Run(async () =>
        {
            await PullAsync(consumer, settings, batchSize * 2, pulling.WhenOpenAsync, msg => inbox.Writer.WriteAsync(msg, CancellationToken.None), stoppingToken);
            inbox.Writer.TryComplete();
        }, CancellationToken.None);

        var batch = new List<INatsJSMsg<byte[]>>(batchSize);
        while (await inbox.Reader.WaitToReadAsync(CancellationToken.None))
        {
            await BatchWindow.FillAsync(inbox.Reader, batch, batchSize, flushMs);
            await HandleBatchAsync(settings, handler, batch, pulling, stoppingToken);
            batch.Clear();
        }

        await receiving;
    }

    private async Task PullAsync(
        INatsJSConsumer consumer,
        ConsumerSettings settings,
        int buffer,
        Func<CancellationToken, Task<CancellationToken>> whenTaking,
        Func<INatsJSMsg<byte[]>, ValueTask> take,
        CancellationToken stoppingToken)
    {
        var consumeOpts = new NatsJSConsumeOpts
        {
            // The buffer bounds what is held unstarted; the client re-pulls when half of it is
            // used, so a pull's round trip overlaps work instead of preceding it.
            MaxMsgs = buffer,
            // Short pulls with heartbeats: a pull left behind by a replica that died holds messages
            // for seconds at most, and after NATS restarts a forgotten pull is noticed as fast.
            Expires = TimeSpan.FromSeconds(5),
            IdleHeartbeat = TimeSpan.FromSeconds(2),
            // Stopped or paused, what was already delivered is still handed over and handled.
            DrainOnCancel = true,
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            CancellationToken paused;
            try
            {
                paused = await whenTaking(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            using var consuming = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, paused);
            try
            {
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: consumeOpts, cancellationToken: consuming.Token))
                {
                    await take(msg);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (OperationCanceledException) when (paused.IsCancellationRequested)
            {
                // Paused: wait above until taking again.
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                await provisioner.ResumeAfterAsync(ex, settings.Config.Name!, stoppingToken);
            }
        }
    }

    private async Task HandleOneAsync<T>(ConsumerSettings settings, IMessageHandler<T> handler, INatsJSMsg<byte[]> msg, SemaphoreSlim slots, CancellationToken stoppingToken)
        where T : class, IContractMessage
    {
        try
        {
            if (await AdmitAsync<T>(settings, msg) is { } delivery)
            {
                await SettleAsync(settings, msg, await handler.HandleAsync(delivery, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await NakNowAsync(msg);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(settings.Stage, msg.Subject, ex.Message);
            await msg.NakAsync(new AckOpts { NakDelay = AfterFailure }, CancellationToken.None)
                .AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task HandleBatchAsync<T>(
        ConsumerSettings settings, IBatchHandler<T> handler, List<INatsJSMsg<byte[]>> batch, ReceiveGate pulling, CancellationToken stoppingToken)
        where T : class, IContractMessage
    {
        using var span = PipelineTracing.StartBatch(settings.SubjectTemplate, batch.Select(msg => msg.Headers));
        try
        {
            var deliveries = new List<Delivery<T>>(batch.Count);
            foreach (var msg in batch)
            {
                if (await AdmitAsync<T>(settings, msg) is { } delivery)
                {
                    deliveries.Add(delivery);
                }
            }

            if (deliveries.Count == 0)
            {
                return;
            }

            var held = false;
            // Once stopping, a batch already pulled is still written (not cancelled half-way), but
            // not held: what fails then is left unacked and comes back after the ack wait.
            var retry = DependencyRetry.Create(failure => !stoppingToken.IsCancellationRequested && handler.WhyUnavailable(failure) is not null, async (failure, delay) =>
            {
                if (!held)
                {
                    held = true;
                    LogHolding(settings.Stage, deliveries.Count, handler.WhyUnavailable(failure)!);
                    metrics.Holding(settings.Stage, held: true);
                    pulling.Close();
                }

                foreach (var delivery in deliveries)
                {
                    await delivery.HoldAsync();
                }
            }, clock);

            IReadOnlyList<Handling> handlings;
            try
            {
                handlings = await retry.ExecuteAsync(
                    async _ => await handler.HandleAsync(deliveries, CancellationToken.None),
                    stoppingToken.IsCancellationRequested ? CancellationToken.None : stoppingToken);
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested && (ex is OperationCanceledException || handler.WhyUnavailable(ex) is not null))
            {
                // Stopping while held: nothing is acked, and the batch comes back after the ack wait.
                return;
            }
            finally
            {
                pulling.Open();
                if (held)
                {
                    metrics.Holding(settings.Stage, held: false);
                }
            }

            if (held)
            {
                LogResumed(settings.Stage, deliveries.Count);
            }

            for (var i = 0; i < deliveries.Count; i++)
            {
                await SettleAsync(settings, deliveries[i].Msg, handlings[i]);
            }
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            // Left unacked: the messages come back after the ack wait and are handled then.
            LogSettleFailed(settings.Stage, batch.Count, ex.Message);
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBatchFailed(settings.Stage, batch.Count, ex.Message);
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
        }
    }

    /// <summary>The decoded delivery, or null when the message went to the dead letters instead.</summary>
    private async Task<Delivery<T>?> AdmitAsync<T>(ConsumerSettings settings, INatsJSMsg<byte[]> msg)
        where T : class, IContractMessage
    {
        metrics.Received(msg.Subject);
        if (!ContractJson.TryDecode<T>(msg.Data ?? [], out var message, out var error))
        {
            await DeadLetterAsync(settings, msg, error!);
            return null;
        }

        if (DeliveryLimit.IsExceeded(msg, settings.MaxDeliveries))
        {
            await DeadLetterAsync(settings, msg, DeliveryLimit.Reason(settings.MaxDeliveries));
            return null;
        }

        return new Delivery<T>(msg, message!);
    }

    private async Task SettleAsync(ConsumerSettings settings, INatsJSMsg<byte[]> msg, Handling handling)
    {
        switch (handling.Kind)
        {
            case HandlingKind.Done:
                await msg.AckAsync(cancellationToken: CancellationToken.None);
                break;
            case HandlingKind.Retry:
                await msg.NakAsync(new AckOpts { NakDelay = handling.Delay }, CancellationToken.None);
                break;
            case HandlingKind.DeadLetter:
                await DeadLetterAsync(settings, msg, handling.Reason!);
                break;
        }
    }

    private async Task DeadLetterAsync(ConsumerSettings settings, INatsJSMsg<byte[]> msg, string reason)
    {
        LogDeadLetter(msg.Subject, reason);
        await deadLetters.PublishAsync(settings.Stage, msg.Subject, msg.Headers, msg.Data ?? [], reason, DeliveryLimit.Delivery(msg), CancellationToken.None);
        await msg.AckAsync(cancellationToken: CancellationToken.None);
    }

    private static async Task NakNowAsync(INatsJSMsg<byte[]> msg) =>
        await msg.NakAsync(cancellationToken: CancellationToken.None).AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    private static readonly Task<CancellationToken> NeverPaused = Task.FromResult(CancellationToken.None);

    private static Task<CancellationToken> AlwaysTaking(CancellationToken stoppingToken) => NeverPaused;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message on {Subject} moved to the dead-letter stream: {Reason}")]
    private partial void LogDeadLetter(string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Stage} failed on {Subject} ({Reason}); asked for redelivery")]
    private partial void LogHandlerFailed(string stage, string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Stage} cannot handle {Count} messages ({Reason}); holding them and pausing consumption until it can")]
    private partial void LogHolding(string stage, int count, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Stage} handled {Count} held messages; consuming again")]
    private partial void LogResumed(string stage, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Stage} failed on a batch of {Count} messages ({Reason}); they will be redelivered after the ack wait")]
    private partial void LogBatchFailed(string stage, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Stage} could not acknowledge {Count} messages ({Reason}); they will be redelivered")]
    private partial void LogSettleFailed(string stage, int count, string reason);
}
