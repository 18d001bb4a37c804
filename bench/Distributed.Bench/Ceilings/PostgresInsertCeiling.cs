using System.Diagnostics;
using Distributed.Aggregator.Data;
using Distributed.Aggregator.Ingestion;
using Npgsql;

namespace Distributed.Bench.Ceilings;

/// <summary>
/// PostgreSQL batched insert: the aggregator's own statement and batch size, one writer as in
/// the aggregator, into a copy of the results table (same indexes) that is dropped afterwards.
/// </summary>
public static class PostgresInsertCeiling
{
    private const string Table = "bench_results";
    private const string CountsTable = "bench_task_type_counts";

    public static async Task<CeilingResult> RunAsync(string connectionString, int batchSize, TimeSpan duration)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(source, $"""
            DROP TABLE IF EXISTS {Table}, {CountsTable};
            CREATE TABLE {Table} (LIKE results INCLUDING ALL);
            CREATE TABLE {CountsTable} (LIKE task_type_counts INCLUDING ALL);
            """);
        try
        {
            var insert = ResultWriter.InsertSql(Table, CountsTable);
            var rows = 0L;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                var batch = Enumerable.Range(0, batchSize).Select(_ => new ResultRow
                {
                    RequestId = Guid.NewGuid(),
                    TaskType = "bench",
                    Payload = """{"seq":1,"value":42}""",
                    Enrichment = """{"source":"enricher","score":0.42,"category":"alpha"}""",
                    ProcessedAt = DateTimeOffset.UtcNow,
                    ProcessorId = "bench",
                    TraceId = "0af7651916cd43dd8448eb211c80319c",
                }).ToList();
                await using var command = source.CreateCommand(insert);
                command.Parameters.AddRange(ResultWriter.Parameters(batch));
                rows += (int)(await command.ExecuteScalarAsync())!;
            }

            return new CeilingResult($"PostgreSQL insert, batches of {batchSize}", rows / clock.Elapsed.TotalSeconds, "rows/s");
        }
        finally
        {
            await ExecuteAsync(source, $"DROP TABLE IF EXISTS {Table}, {CountsTable}");
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
