using System.Diagnostics;
using System.Globalization;
using Distributed.Aggregator.Data;
using Distributed.Contracts;
using Distributed.Messaging;
using NATS.Client.Core;

namespace Distributed.Aggregator.Ingestion;

/// <summary>
/// A batch of results into PostgreSQL: each is acked (by the consume loop) only once its batch
/// is committed; a result PostgreSQL refuses goes to <c>deadletter.aggregator</c> with
/// PostgreSQL's reason; while PostgreSQL is away or full the loop holds the batch and retries.
/// </summary>
public sealed class ResultHandler(ResultBatchStore store, PipelineMetrics metrics, TimeProvider clock) : IBatchHandler<ResultMessage>
{
    public const string Stage = DeadLetterStages.Aggregator;

    public async Task<IReadOnlyList<Handling>> HandleAsync(IReadOnlyList<Delivery<ResultMessage>> batch, CancellationToken cancellationToken)
    {
        var handlings = new Handling[batch.Count];
        var rows = new List<ResultRow>(batch.Count);
        var positions = new List<int>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var delivery = batch[i];
            if (!ResultMapping.TryGetClient(delivery.Headers, out var client, out var problem))
            {
                PipelineTracing.RecordOutcome(delivery.Headers, delivery.Message.RequestId, delivery.Message.TaskType, "dead-lettered", problem, Activity.Current);
                handlings[i] = Handling.DeadLetter(problem!);
                continue;
            }

            rows.Add(ResultMapping.ToRow(delivery.Message, client, PipelineTracing.TraceIdOf(delivery.Headers)));
            positions.Add(i);
        }

        var stored = await store.StoreAsync(rows, cancellationToken);
        metrics.Stored(stored.Inserted);
        var storedAt = clock.GetUtcNow();
        for (var row = 0; row < rows.Count; row++)
        {
            var i = positions[row];
            var headers = batch[i].Headers;
            if (stored.Refused.TryGetValue(row, out var reason))
            {
                PipelineTracing.RecordOutcome(headers, rows[row].RequestId, rows[row].TaskType, "dead-lettered", reason, Activity.Current);
                handlings[i] = Handling.DeadLetter(reason);
                continue;
            }

            var submittedAt = SubmittedAt(headers);
            PipelineTracing.RecordOutcome(headers, rows[row].RequestId, rows[row].TaskType, "stored", null, Activity.Current,
                submittedAt is { } accepted ? () => metrics.StoredAfter(storedAt - accepted) : null);

            handlings[i] = Handling.Done;
        }

        return handlings;
    }

    /// <summary>Everything but a refused row is PostgreSQL's, not the batch's: hold it and retry.</summary>
    public string? WhyUnavailable(Exception failure) =>
        PostgresFailure.IsRowProblem(failure) ? null : PostgresFailure.Describe(failure);

    private static DateTimeOffset? SubmittedAt(NatsHeaders? headers) =>
        headers?.TryGetValue(MessageHeaders.SubmittedAt, out var value) == true
        && DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var submittedAt)
            ? submittedAt
            : null;
}
