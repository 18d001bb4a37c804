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
        var rows = batch.Select(delivery => ResultMapping.ToRow(delivery.Message, PipelineTracing.TraceIdOf(delivery.Headers))).ToList();
        var stored = await store.StoreAsync(rows, cancellationToken);
        metrics.Stored(stored.Inserted);
        var storedAt = clock.GetUtcNow();
        var handlings = new Handling[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var headers = batch[i].Headers;
            if (stored.Refused.TryGetValue(i, out var reason))
            {
                PipelineTracing.RecordOutcome(headers, rows[i].RequestId, rows[i].TaskType, "dead-lettered", reason, Activity.Current);
                handlings[i] = Handling.DeadLetter(reason);
                continue;
            }

            var submittedAt = SubmittedAt(headers);
            PipelineTracing.RecordOutcome(headers, rows[i].RequestId, rows[i].TaskType, "stored", null, Activity.Current,
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
