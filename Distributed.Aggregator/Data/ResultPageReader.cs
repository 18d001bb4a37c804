using System.Globalization;
using Distributed.Aggregator.Api;
using Distributed.Contracts;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Distributed.Aggregator.Data;

/// <summary>
/// Reads a page of <c>GET /results</c> in one statement, jsonb columns as their UTF-8 bytes
/// straight into the response rows. Through EF each row was materialised, its jsonb decoded into
/// .NET strings and encoded back to UTF-8: about half of a page's CPU in the aggregator, measured
/// in docs/benchmarks.md. Every variant reads one client's rows, and is a range scan of an index
/// that leads with the client and matches its ORDER BY.
/// </summary>
public sealed class ResultPageReader(ResultsReaderDbContext db)
{
    private const string Select = """
        SELECT id, request_id, task_type, payload, enrichment, processed_at, processor_id, trace_id FROM results
        """;

    // The limit is written into the statement, not bound: with LIMIT $n PostgreSQL prices a
    // generic plan for 10 % of the table, so it planned every execution anew (a sixth of its time
    // per page at 1M rows). The limit is a validated integer, and a client uses a few of them.
    private const string Order = " ORDER BY processed_at DESC, id DESC LIMIT ";

    private const string OfClient = " WHERE client_id = @client";

    // The cursor row is looked up inside the statement, among the client's own rows: an id that
    // names no row of theirs gives an empty page, whoever else's it may be.
    private const string AfterCursor = " AND (processed_at, id) < (SELECT processed_at, id FROM results WHERE id = @before AND client_id = @client)";

    private static readonly string[] Statements =
    [
        Select + OfClient + Order,
        Select + OfClient + " AND task_type = @task_type" + Order,
        Select + OfClient + AfterCursor + Order,
        Select + OfClient + " AND task_type = @task_type" + AfterCursor + Order,
    ];

    /// <returns>
    /// The page, which ends early once its rows' payloads and enrichments pass
    /// <see cref="ResultQuery.MaxPageBytes"/> (it always holds one row, and says there is more);
    /// null when the cursor names no stored row of the client's.
    /// </returns>
    public async Task<ResultPage?> ReadAsync(string client, ResultQuery query, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        var statement = Statements[(query.TaskType is null ? 0 : 1) + (query.Before is null ? 0 : 2)] + query.Limit.ToString(CultureInfo.InvariantCulture);
        await using var command = new NpgsqlCommand(statement, connection);
        command.Parameters.Add(new NpgsqlParameter<string>("client", client));
        if (query.TaskType is { } taskType)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("task_type", taskType));
        }

        if (query.Before is { } before)
        {
            command.Parameters.Add(new NpgsqlParameter<Guid>("before", before));
        }

        var page = new List<ResultResponse>(Math.Min(query.Limit, 64));
        var bytes = 0L;
        var cut = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var payload = reader.GetFieldValue<byte[]>(3);
                var enrichment = reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4);
                bytes += payload.Length + (enrichment?.Length ?? 0);
                if (page.Count > 0 && bytes > ResultQuery.MaxPageBytes)
                {
                    // The rest of the rows are the next page's; reading stops here.
                    cut = true;
                    break;
                }

                page.Add(new ResultResponse(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.GetString(2),
                    new RawJson(payload),
                    enrichment is null ? null : new RawJson(enrichment),
                    reader.GetFieldValue<DateTimeOffset>(5),
                    reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
        }

        if (page.Count == 0 && query.Before is { } cursor && !await ExistsAsync(connection, client, cursor, cancellationToken))
        {
            return null;
        }

        return new ResultPage(page, cut || page.Count == query.Limit);
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        // The DbContext's pooled connection, closed again when the request's scope ends.
        await db.Database.OpenConnectionAsync(cancellationToken);
        return (NpgsqlConnection)db.Database.GetDbConnection();
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string client, Guid id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM results WHERE id = @id AND client_id = @client)", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
        command.Parameters.Add(new NpgsqlParameter<string>("client", client));
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary>A page of <c>GET /results</c>, and whether a next page may follow it.</summary>
public sealed record ResultPage(List<ResultResponse> Rows, bool HasMore);
