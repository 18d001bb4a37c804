using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Distributed.Aggregator.Data;
using Distributed.Contracts;
using Distributed.ServiceDefaults.Messaging;
using Distributed.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Aggregator.Ingestion;

/// <summary>
/// Consumes the results stream through the durable consumer <c>aggregator</c>, writes results
/// in batches and acks each message only after its batch is committed.
/// </summary>
public sealed partial class ResultConsumer(
    JetStreamTopology topology,
    DatabaseMigrator migrator,
    ResultWriter writer,
    DeadLetterPublisher deadLetters,
    IOptions<IngestionOptions> options,
    PipelineMetrics metrics,
    ILogger<ResultConsumer> logger) : BackgroundService
{
    public const string Stage = "aggregator";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    // A batch is written in milliseconds; an aggregator that died holding results gives them back this soon.
    private static readonly TimeSpan AckWait = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ExposeFailureCounters(Stage);
        await migrator.WaitUntilReadyAsync(stoppingToken);
        var settings = options.Value;
        var consumer = await topology.EnsureConsumerAsync(Subjects.ResultsStream, new ConsumerConfig(Subjects.AggregatorConsumer)
        {
            DurableName = Subjects.AggregatorConsumer,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = AckWait,
            MaxAckPending = 20_000,
        }, stoppingToken);

        var inbox = Channel.CreateBounded<INatsJSMsg<byte[]>>(new BoundedChannelOptions(settings.BatchSize * 2)
        {
            SingleReader = true,
            SingleWriter = true,
        });

        // On shutdown the receiver stops pulling and hands over what it already holds; the writer
        // stores and acks all of it before the service exits, so nothing waits out an ack timeout.
        var receiving = ReceiveAsync(consumer, inbox.Writer, settings.BatchSize * 2, stoppingToken);
        await WriteBatchesAsync(inbox.Reader, settings);
        await receiving;
    }

    private async Task ReceiveAsync(INatsJSConsumer consumer, ChannelWriter<INatsJSMsg<byte[]>> inbox, int buffer, CancellationToken stoppingToken)
    {
        // Short pulls with heartbeats: after NATS restarts, a pull the server forgot is noticed in seconds.
        var consumeOpts = new NatsJSConsumeOpts
        {
            MaxMsgs = buffer,
            DrainOnCancel = true,
            Expires = TimeSpan.FromSeconds(5),
            IdleHeartbeat = TimeSpan.FromSeconds(2),
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: consumeOpts, cancellationToken: stoppingToken))
                {
                    await inbox.WriteAsync(msg, CancellationToken.None);
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

        inbox.TryComplete();
    }

    private async Task WriteBatchesAsync(ChannelReader<INatsJSMsg<byte[]>> inbox, IngestionOptions settings)
    {
        var batch = new List<INatsJSMsg<byte[]>>(settings.BatchSize);
        while (await inbox.WaitToReadAsync(CancellationToken.None))
        {
            await BatchWindow.FillAsync(inbox, batch, settings.BatchSize, settings.FlushMs);
            await StoreAsync(batch, CancellationToken.None);
            batch.Clear();
        }
    }

    private async Task StoreAsync(List<INatsJSMsg<byte[]>> batch, CancellationToken cancellationToken)
    {
        var decoded = new List<(INatsJSMsg<byte[]> Msg, ResultRow Row, Activity? Span)>(batch.Count);
        foreach (var msg in batch)
        {
            metrics.Received(msg.Subject);
            if (ContractJson.TryDeserialize<ResultMessage>(msg.Data ?? [], out var result, out var error)
                && TaskTypeRule.IsValid(result!.TaskType))
            {
                var span = PipelineTracing.StartConsumerActivity("store result", msg.Headers, msg.Subject);
                decoded.Add((msg, ResultMapping.ToRow(result, PipelineTracing.TraceIdOf(msg.Headers)), span));
                continue;
            }

            error ??= "task_type is not a valid subject token";
            LogDeadLetter(msg.Subject, error);
            try
            {
                await deadLetters.PublishAsync(Stage, msg.Subject, msg.Data ?? [], error, cancellationToken);
                await msg.AckAsync(cancellationToken: cancellationToken);
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                // Left unacked: it comes back and is dead-lettered then.
                LogStoreFailed(1, ex.Message);
            }
        }

        try
        {
            var inserted = await writer.WriteAsync([.. decoded.Select(d => d.Row)], cancellationToken);
            metrics.Stored(inserted);
            var storedAt = DateTimeOffset.UtcNow;
            foreach (var (msg, _, _) in decoded)
            {
                await msg.AckAsync(cancellationToken: cancellationToken);
                if (SubmittedAt(msg.Headers) is { } submittedAt)
                {
                    metrics.StoredAfter(storedAt - submittedAt);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStoreFailed(decoded.Count, ex.GetBaseException().Message);
            foreach (var (msg, _, _) in decoded)
            {
                await msg.NakAsync(new AckOpts { NakDelay = RetryDelay }, CancellationToken.None)
                    .AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            foreach (var (_, _, span) in decoded)
            {
                span?.Dispose();
            }
        }
    }

    private static DateTimeOffset? SubmittedAt(NatsHeaders? headers) =>
        headers?.TryGetValue(Subjects.SubmittedAtHeader, out var value) == true
        && DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var submittedAt)
            ? submittedAt
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result consumption interrupted ({Reason}); resuming")]
    private partial void LogConsumeInterrupted(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Undecodable result on {Subject} moved to the dead-letter stream: {Reason}")]
    private partial void LogDeadLetter(string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Count} results ({Reason}); they will be redelivered")]
    private partial void LogStoreFailed(int count, string reason);
}
