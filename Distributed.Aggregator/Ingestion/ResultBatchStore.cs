using Distributed.Aggregator.Data;

namespace Distributed.Aggregator.Ingestion;

/// <summary>
/// Stores a batch of rows in one statement. A row PostgreSQL refuses (its data's fault) never
/// holds the others back: the batch is halved until the refused row stands alone, and that row
/// is reported with PostgreSQL's reason. Any other failure (PostgreSQL away, its disk full) is
/// thrown: nothing of the batch is reported stored.
/// </summary>
public sealed class ResultBatchStore(Func<IReadOnlyList<ResultRow>, CancellationToken, Task<int>> write)
{
    public async Task<StoredBatch> StoreAsync(IReadOnlyList<ResultRow> rows, CancellationToken cancellationToken)
    {
        var outcome = new StoredBatch();
        await StoreSplittingAsync(rows, 0, rows.Count, outcome, cancellationToken);
        return outcome;
    }

    private async Task StoreSplittingAsync(IReadOnlyList<ResultRow> rows, int start, int count, StoredBatch outcome, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        try
        {
            var slice = start == 0 && count == rows.Count ? rows : rows.Skip(start).Take(count).ToList();
            outcome.Inserted += await write(slice, cancellationToken);
        }
        catch (Exception ex) when (PostgresFailure.IsRowProblem(ex))
        {
            if (count == 1)
            {
                outcome.Refused[start] = PostgresFailure.Describe(ex);
                return;
            }

            var half = count / 2;
            await StoreSplittingAsync(rows, start, half, outcome, cancellationToken);
            await StoreSplittingAsync(rows, start + half, count - half, outcome, cancellationToken);
        }
    }
}

/// <summary>What a batch came to: how many rows were new, and which rows (by index) PostgreSQL refused and why.</summary>
public sealed class StoredBatch
{
    public int Inserted { get; set; }

    public Dictionary<int, string> Refused { get; } = [];
}
