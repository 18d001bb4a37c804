using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Distributed.Aggregator.Data;
using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Aggregator.Ingestion;

/// <summary>
/// Consumes the results stream through the durable consumer <c>aggregator</c>, writes results
/// in batches and acks each message only after its batch is committed. A result PostgreSQL
/// refuses never holds the others back: the batch is split until the refused row stands alone,
/// and that row goes to <c>deadletter.aggregator</c> with PostgreSQL's error.
/// </summary>
public sealed partial class ResultConsumer(
    JetStreamProvisioner provisioner,
    DatabaseMigrator migrator,
    ResultWriter writer,
    DeadLetterPublisher deadLetters,
    IOptions<IngestionOptions> options,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<ResultConsumer> logger) : BackgroundService
{
    public const string Stage = "aggregator";
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly ReceiveGate _gate = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ExposeFailureCounters(Stage);
        await migrator.WaitUntilReadyAsync(stoppingToken);
        var settings = options.Value;
        var consumer = await provisioner.EnsureConsumerAsync(
            JetStreamNames.ResultsStream, PipelineTopology.Aggregator(settings.MaxDeliveries), stoppingToken);

        var inbox = Channel.CreateBounded<INatsJSMsg<byte[]>>(new BoundedChannelOptions(settings.BatchSize * 2)
        {
            SingleReader = true,
            SingleWriter = true,
        });

        // On shutdown the receiver stops pulling and hands over what it already holds; the writer
        // stores and acks all of it before the service exits, so nothing waits out an ack timeout.
        var receiving = ReceiveAsync(consumer, inbox.Writer, settings.BatchSize * 2, stoppingToken);
        await WriteBatchesAsync(inbox.Reader, settings, stoppingToken);
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
                await _gate.WaitUntilOpenAsync(stoppingToken);
                using var receiving = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _gate.WhileOpen);
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: consumeOpts, cancellationToken: receiving.Token))
                {
                    await inbox.WriteAsync(msg, CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (OperationCanceledException)
            {
                // The writer closed the gate: PostgreSQL is down; wait until it opens again.
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                await provisioner.ResumeAfterAsync(ex, JetStreamNames.AggregatorConsumer, stoppingToken);
            }
        }

        inbox.TryComplete();
    }

    private async Task WriteBatchesAsync(ChannelReader<INatsJSMsg<byte[]>> inbox, IngestionOptions settings, CancellationToken stoppingToken)
    {
        var batch = new List<INatsJSMsg<byte[]>>(settings.BatchSize);
        while (await inbox.WaitToReadAsync(CancellationToken.None))
        {
            await BatchWindow.FillAsync(inbox, batch, settings.BatchSize, settings.FlushMs);
            await StoreAsync(batch, settings, stoppingToken);
            batch.Clear();
        }
    }

    private async Task StoreAsync(List<INatsJSMsg<byte[]>> batch, IngestionOptions settings, CancellationToken stoppingToken)
    {
        var results = new List<PendingResult>(batch.Count);
        using var batchSpan = PipelineTracing.StartBatch(Subjects.ResultsPrefix + "*", batch.Select(msg => msg.Headers));
        try
        {
            foreach (var msg in batch)
            {
                metrics.Received(msg.Subject);
                if (!ContractJson.TryDecode<ResultMessage>(msg.Data ?? [], out var result, out var error))
                {
                    await DeadLetterAsync(msg, error!);
                }
                else if (DeliveryLimit.IsExceeded(msg, settings.MaxDeliveries))
                {
                    await DeadLetterAsync(msg, DeliveryLimit.Reason(settings.MaxDeliveries));
                }
                else
                {
                    results.Add(new PendingResult(msg, ResultMapping.ToRow(result!, PipelineTracing.TraceIdOf(msg.Headers))));
                }
            }

            if (await WriteUntilCommittedAsync(results, stoppingToken) is { } outcome)
            {
                await AcknowledgeAsync(outcome, batchSpan);
            }
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            // Left unacked: the messages come back after the ack wait and are handled then.
            LogAckFailed(batch.Count, ex.Message);
            batchSpan?.SetStatus(ActivityStatusCode.Error, ex.Message);
        }
    }

    /// <summary>
    /// Writes the results, splitting out rows PostgreSQL refuses. While PostgreSQL is
    /// unavailable the batch is held (its ack wait renewed) and the receiver stopped, so an
    /// outage costs no delivery attempts. Null when the service stops before the write succeeds:
    /// then nothing is acked and the results come back after the ack wait.
    /// </summary>
    private async Task<WriteOutcome?> WriteUntilCommittedAsync(List<PendingResult> results, CancellationToken stoppingToken)
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = new WriteOutcome();
                await WriteSplittingAsync(results, outcome);
                if (attempt > 1)
                {
                    LogDatabaseBack(results.Count);
                    _gate.Open();
                }

                return outcome;
            }
            catch (Exception ex) when (!PostgresFailure.IsRowProblem(ex) && ex is not OperationCanceledException)
            {
                if (attempt == 1)
                {
                    LogHolding(results.Count, PostgresFailure.Describe(ex));
                    _gate.Close();
                }

                if (stoppingToken.IsCancellationRequested)
                {
                    _gate.Open();
                    return null;
                }

                foreach (var result in results)
                {
                    await result.Msg.AckProgressAsync(cancellationToken: CancellationToken.None)
                        .AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                await Task.Delay(delay, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>Writes all rows in one statement; when PostgreSQL refuses one, halves the batch until it stands alone.</summary>
    private async Task WriteSplittingAsync(List<PendingResult> results, WriteOutcome outcome)
    {
        if (results.Count == 0)
        {
            return;
        }

        try
        {
            outcome.Inserted += await writer.WriteAsync([.. results.Select(r => r.Row)], CancellationToken.None);
            outcome.Stored.AddRange(results);
        }
        catch (Exception ex) when (PostgresFailure.IsRowProblem(ex))
        {
            if (results.Count == 1)
            {
                outcome.Refused.Add((results[0], PostgresFailure.Describe(ex)));
                return;
            }

            var half = results.Count / 2;
            await WriteSplittingAsync(results[..half], outcome);
            await WriteSplittingAsync(results[half..], outcome);
        }
    }

    private async Task AcknowledgeAsync(WriteOutcome outcome, Activity? batchSpan)
    {
        metrics.Stored(outcome.Inserted);
        var storedAt = clock.GetUtcNow();
        foreach (var result in outcome.Stored)
        {
            await result.Msg.AckAsync(cancellationToken: CancellationToken.None);
            PipelineTracing.RecordOutcome(result.Msg.Headers, result.Row.RequestId, result.Row.TaskType, "stored", null, batchSpan);
            if (SubmittedAt(result.Msg.Headers) is { } submittedAt)
            {
                metrics.StoredAfter(storedAt - submittedAt);
            }
        }

        foreach (var (result, reason) in outcome.Refused)
        {
            LogRefused(result.Row.RequestId, reason);
            await DeadLetterAsync(result.Msg, reason);
            PipelineTracing.RecordOutcome(result.Msg.Headers, result.Row.RequestId, result.Row.TaskType, "dead-lettered", reason, batchSpan);
        }
    }

    private async Task DeadLetterAsync(INatsJSMsg<byte[]> msg, string reason)
    {
        LogDeadLetter(msg.Subject, reason);
        await deadLetters.PublishAsync(Stage, msg.Subject, msg.Data ?? [], reason, CancellationToken.None);
        await msg.AckAsync(cancellationToken: CancellationToken.None);
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private static DateTimeOffset? SubmittedAt(NatsHeaders? headers) =>
        headers?.TryGetValue(MessageHeaders.SubmittedAt, out var value) == true
        && DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var submittedAt)
            ? submittedAt
            : null;

    private sealed record PendingResult(INatsJSMsg<byte[]> Msg, ResultRow Row);

    private sealed class WriteOutcome
    {
        public int Inserted { get; set; }

        public List<PendingResult> Stored { get; } = [];

        public List<(PendingResult Result, string Reason)> Refused { get; } = [];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result on {Subject} moved to the dead-letter stream: {Reason}")]
    private partial void LogDeadLetter(string subject, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "PostgreSQL refused the result of task {RequestId} ({Reason})")]
    private partial void LogRefused(Guid requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot store {Count} results ({Reason}); holding them and pausing consumption until PostgreSQL is back")]
    private partial void LogHolding(int count, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL is back: {Count} held results stored; consuming again")]
    private partial void LogDatabaseBack(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not acknowledge {Count} results ({Reason}); they will be redelivered")]
    private partial void LogAckFailed(int count, string reason);
}
