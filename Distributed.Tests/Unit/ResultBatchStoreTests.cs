using Distributed.Aggregator.Data;
using Distributed.Aggregator.Ingestion;
using Npgsql;

namespace Distributed.Tests.Unit;

/// <summary>
/// How a batch of results meets PostgreSQL's refusals, with a writer that refuses what PostgreSQL
/// would: a refused row costs only itself, and an outage is the whole batch's to wait out.
/// </summary>
public sealed class ResultBatchStoreTests
{
    private static ResultRow Row(string payload) => new() { RequestId = Guid.NewGuid(), TaskType = "t", Payload = payload, ProcessorId = "p" };

    /// <summary>As PostgreSQL refuses a jsonb it cannot take (SQLSTATE 22P05, a data exception).</summary>
    private static PostgresException Refusal() => new("unsupported Unicode escape sequence", "ERROR", "ERROR", "22P05");

    [Fact]
    public async Task Refused_rows_are_reported_alone_and_every_other_row_is_stored()
    {
        var rows = Enumerable.Range(0, 10).Select(i => Row(i is 3 or 8 ? "bad" : $"{i}")).ToList();
        var stored = new List<ResultRow>();
        var store = new ResultBatchStore((batch, _) =>
        {
            if (batch.Any(row => row.Payload == "bad"))
            {
                throw Refusal();
            }

            stored.AddRange(batch);
            return Task.FromResult(batch.Count);
        });

        var outcome = await store.StoreAsync(rows, CancellationToken.None);

        Assert.Equal(8, outcome.Inserted);
        Assert.Equal([3, 8], outcome.Refused.Keys.Order());
        Assert.All(outcome.Refused.Values, reason => Assert.Equal("PostgreSQL 22P05: unsupported Unicode escape sequence", reason));
        Assert.Equal(rows.Where(row => row.Payload != "bad").Select(row => row.RequestId).Order(), stored.Select(row => row.RequestId).Order());
    }

    [Fact]
    public async Task A_batch_PostgreSQL_takes_is_one_statement()
    {
        var statements = 0;
        var store = new ResultBatchStore((batch, _) =>
        {
            statements++;
            return Task.FromResult(batch.Count);
        });

        var outcome = await store.StoreAsync([.. Enumerable.Range(0, 100).Select(i => Row($"{i}"))], CancellationToken.None);

        Assert.Equal(1, statements);
        Assert.Equal(100, outcome.Inserted);
        Assert.Empty(outcome.Refused);
    }

    [Fact]
    public async Task A_full_disk_is_not_a_row_problem_it_is_thrown_and_held_as_PostgreSQLs()
    {
        var diskFull = new PostgresException("could not extend file \"base/1/2\": No space left on device", "ERROR", "ERROR", "53100");
        var store = new ResultBatchStore((_, _) => throw diskFull);

        var thrown = await Assert.ThrowsAsync<PostgresException>(() => store.StoreAsync([Row("1"), Row("2")], CancellationToken.None));

        var handler = new ResultHandler(store, null!, TimeProvider.System);
        Assert.Equal("PostgreSQL 53100: could not extend file \"base/1/2\": No space left on device", handler.WhyUnavailable(thrown));
        Assert.Null(handler.WhyUnavailable(Refusal()));
    }
}
