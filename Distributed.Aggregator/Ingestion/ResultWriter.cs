using Distributed.Aggregator.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Distributed.Aggregator.Ingestion;

/// <summary>
/// Writes a batch of results in one statement. ON CONFLICT on the unique request_id makes a
/// redelivered result a no-op, which is what turns at-least-once delivery into exactly-once rows.
/// The same statement adds the rows it really inserted to <c>task_type_counts</c>, so the counts
/// behind <c>GET /stats</c> can never drift from the table, whichever of two writers commits first.
/// </summary>
public sealed class ResultWriter(IServiceScopeFactory scopes)
{
    /// <summary>The batch statement; the benchmark's PostgreSQL ceiling runs it against copies of the tables.</summary>
    public static string InsertSql(string table = "results", string countsTable = "task_type_counts") => $"""
        WITH inserted AS (
            INSERT INTO {table} (id, request_id, client_id, task_type, payload, enrichment, processed_at, processor_id, trace_id)
            SELECT gen_random_uuid(), r.request_id, r.client_id, r.task_type, r.payload::jsonb, r.enrichment::jsonb, r.processed_at, r.processor_id, r.trace_id
            FROM unnest(@request_ids, @client_ids, @task_types, @payloads, @enrichments, @processed_ats, @processor_ids, @trace_ids)
                AS r(request_id, client_id, task_type, payload, enrichment, processed_at, processor_id, trace_id)
            ON CONFLICT (request_id) DO NOTHING
            RETURNING client_id, task_type
        ), counted AS (
            -- Sorted, so two writers lock the count rows in the same order and cannot deadlock.
            INSERT INTO {countsTable} (client_id, task_type, count)
            SELECT client_id, task_type, count(*) FROM inserted GROUP BY client_id, task_type ORDER BY client_id, task_type
            ON CONFLICT (client_id, task_type) DO UPDATE SET count = {countsTable}.count + excluded.count
        )
        SELECT count(*)::int FROM inserted
        """;

    /// <returns>How many rows were new.</returns>
    public async Task<int> WriteAsync(IReadOnlyList<ResultRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsIngestDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        // A data-modifying WITH must be the top-level statement, which EF's SQL APIs would wrap.
        await using var command = new NpgsqlCommand(InsertSql(), (NpgsqlConnection)db.Database.GetDbConnection());
        command.Parameters.AddRange(Parameters(rows));
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static NpgsqlParameter[] Parameters(IReadOnlyList<ResultRow> rows) =>
        [
            Array("request_ids", NpgsqlDbType.Uuid, rows.Select(r => r.RequestId).ToArray()),
            Array("client_ids", NpgsqlDbType.Text, rows.Select(r => r.ClientId).ToArray()),
            Array("task_types", NpgsqlDbType.Text, rows.Select(r => r.TaskType).ToArray()),
            Array("payloads", NpgsqlDbType.Text, rows.Select(r => r.Payload).ToArray()),
            Array("enrichments", NpgsqlDbType.Text, rows.Select(r => r.Enrichment).ToArray()),
            Array("processed_ats", NpgsqlDbType.TimestampTz, rows.Select(r => r.ProcessedAt.UtcDateTime).ToArray()),
            Array("processor_ids", NpgsqlDbType.Text, rows.Select(r => r.ProcessorId).ToArray()),
            Array("trace_ids", NpgsqlDbType.Text, rows.Select(r => r.TraceId).ToArray()),
        ];

    private static NpgsqlParameter Array<T>(string name, NpgsqlDbType elementType, T[] values) =>
        new(name, NpgsqlDbType.Array | elementType) { Value = values };
}
