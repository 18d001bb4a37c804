using Npgsql;

namespace Distributed.Aggregator.Data;

/// <summary>What a PostgreSQL failure means for the caller: the row's fault, or the server's.</summary>
public static class PostgresFailure
{
    /// <summary>
    /// The data of the rows is at fault (SQLSTATE class 22 data exception, 23 integrity, 54 limit
    /// exceeded): writing them again cannot succeed, so the row that fails alone is dead-lettered.
    /// </summary>
    public static bool IsRowProblem(Exception exception) =>
        exception is PostgresException { SqlState: ['2', '2', ..] or ['2', '3', ..] or ['5', '4', ..] };

    /// <summary>
    /// PostgreSQL cannot be reached or is not taking work right now (no connection, a timeout,
    /// shutting down, too many connections): a 503 with Retry-After, not a bug.
    /// </summary>
    public static bool IsUnavailable(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            switch (exception)
            {
                case PostgresException postgres:
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
                        || postgres.SqlState is "53300" or "53000" or "55000"
                        // A statement_timeout: the server is too slow to answer now, not a bug.
                        || postgres.SqlState == "57014";
                case NpgsqlException npgsql:
                    // Not a server error: the driver could not talk to the server.
                    return npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException;
                case TimeoutException or System.Net.Sockets.SocketException:
                    return true;
            }
        }

        return false;
    }

    public static string Describe(Exception exception) =>
        exception is PostgresException postgres
            ? $"PostgreSQL {postgres.SqlState}: {postgres.MessageText}"
            : exception.GetBaseException().Message;
}
