using Aspire.Hosting.Testing;
using Npgsql;

namespace Distributed.Tests.Integration;

/// <summary>
/// The aggregator's database roles under the real AppHost: the query API's role can only read, the
/// ingest role cannot delete or rewrite what is stored, no role is a superuser, and the running
/// aggregator uses exactly these roles.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DatabaseRoleTests(AppHostFixture topology)
{
    private const string InsufficientPrivilege = "42501";
    private const string QueryCanceled = "57014";

    [Fact]
    public async Task The_query_apis_role_can_only_select()
    {
        await using var reader = await ConnectAsync("postgres-reader");
        Assert.True(await ScalarAsync<long>(reader, "SELECT count(*) FROM results") >= 0);

        // A read-write transaction, so what refuses is the role's lack of rights, not only its read-only default.
        foreach (var statement in new[]
        {
            "INSERT INTO results (id, request_id, task_type, payload, processed_at, processor_id) VALUES (gen_random_uuid(), gen_random_uuid(), 'forged', '{}', now(), 'x')",
            "DELETE FROM results",
            "UPDATE task_type_counts SET count = 0",
            "DROP TABLE results",
        })
        {
            Assert.Equal(InsufficientPrivilege, await RefusalAsync(reader, statement, readWrite: true));
        }
    }

    [Fact]
    public async Task The_ingest_role_can_neither_delete_nor_rewrite_nor_read_stored_results()
    {
        await using var ingest = await ConnectAsync("postgres-ingest");
        foreach (var statement in new[]
        {
            // It reads back only the two columns its insert needs, never a client's payload.
            "SELECT payload FROM results LIMIT 1",
            "SELECT enrichment FROM results LIMIT 1",
            "SELECT * FROM results LIMIT 1",
            "DELETE FROM results",
            "UPDATE results SET task_type = 'forged'",
            "TRUNCATE results",
            "DROP TABLE results",
            "CREATE TABLE forged (id int)",
        })
        {
            Assert.Equal(InsufficientPrivilege, await RefusalAsync(ingest, statement, readWrite: false));
        }
    }

    [Fact]
    public async Task Each_role_holds_at_most_its_connection_limit_whatever_its_sessions_set()
    {
        await using var reader = await ConnectAsync("postgres-reader");
        Assert.Equal(96, await ScalarAsync<int>(reader, "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'aggregator_reader'"));
        Assert.Equal(48, await ScalarAsync<int>(reader, "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'aggregator_ingest'"));
        // Only a role with CREATEROLE (none of the aggregator's) could change it.
        Assert.Equal(InsufficientPrivilege, await RefusalAsync(reader, "ALTER ROLE aggregator_reader CONNECTION LIMIT -1", readWrite: true));
    }

    [Fact]
    public async Task A_runaway_query_of_the_reader_is_cancelled_by_its_statement_timeout()
    {
        await using var reader = await ConnectAsync("postgres-reader");
        Assert.Equal("3s", await ScalarAsync<string>(reader, "SHOW statement_timeout"));
        Assert.Equal(QueryCanceled, await RefusalAsync(reader, "SELECT pg_sleep(4)", readWrite: false));
    }

    [Fact]
    public async Task The_aggregator_runs_as_its_own_roles_none_of_them_a_superuser()
    {
        // A task stored and read back: the ingest path and the query API have both connected.
        var accepted = await topology.Gateway.SubmitAsync("roles", """{"n":1}""");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted.RequestId), row => row is not null,
            TimeSpan.FromSeconds(60), "the task stored");

        await using var reader = await ConnectAsync("postgres-reader");
        var superusers = await ScalarAsync<long>(reader,
            "SELECT count(*) FROM pg_roles WHERE rolsuper AND rolname IN ('aggregator_owner', 'aggregator_ingest', 'aggregator_reader')");
        Assert.Equal(0, superusers);

        // Every session the aggregator holds on its database, by role. The reader sees only its
        // own sessions' details, but every session's role name.
        var roles = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'aggregator' AND application_name NOT LIKE 'distributed-tests%'", reader))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                roles.Add(rows.GetString(0));
            }
        }

        Assert.Contains("aggregator_ingest", roles);
        Assert.Contains("aggregator_reader", roles);
        Assert.DoesNotContain("postgres", roles);
        Assert.Equal("aggregator_owner", await ScalarAsync<string>(reader, "SELECT tableowner FROM pg_tables WHERE tablename = 'results'"));
    }

    private async Task<NpgsqlConnection> ConnectAsync(string resource)
    {
        var connectionString = await topology.App.GetConnectionStringAsync(resource)
            ?? throw new InvalidOperationException($"no connection string for {resource}");
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "distributed-tests",
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs the statement in a transaction that is rolled back whatever happens; the SQLSTATE that refused it, or null.</summary>
    private static async Task<string?> RefusalAsync(NpgsqlConnection connection, string statement, bool readWrite)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            if (readWrite)
            {
                await using var mode = new NpgsqlCommand("SET TRANSACTION READ WRITE", connection, transaction);
                await mode.ExecuteNonQueryAsync();
            }

            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync();
            return null;
        }
        catch (PostgresException ex)
        {
            return ex.SqlState;
        }
        finally
        {
            await transaction.RollbackAsync();
        }
    }
}
