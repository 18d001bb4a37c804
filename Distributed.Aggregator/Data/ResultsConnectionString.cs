using System.Data.Common;
using Npgsql;

namespace Distributed.Aggregator.Data;

/// <summary>
/// The session settings the aggregator's few hot statements need, added to whatever connection
/// string it is given (Aspire's or DATABASE_URL's). A setting the string already names keeps its
/// value: an operator's choice wins. Each default is measured in docs/benchmarks.md.
/// </summary>
public static class ResultsConnectionString
{
    public const int AutoPreparedStatements = 16;

    /// <summary>Priced for pages in memory or on SSD, as PostgreSQL's own docs suggest; the default 4 prices a spinning disk.</summary>
    public const string RandomPageCost = "1.1";

    private const string RandomPageCostSetting = "random_page_cost";

    public static string Tune(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);

        // Prepared on each pooled connection, PostgreSQL skips parsing and planning the statements
        // the service runs thousands of times a second.
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }

        // The service sets no session state, so the reset Npgsql sends on every pooled open
        // (RESET ALL, CLOSE ALL, UNLISTEN, …, parsed anew each time) resets nothing. Without it
        // /results served 19 % more pages at 1M rows.
        if (!Names(connectionString, "noresetonclose"))
        {
            builder.NoResetOnClose = true;
        }

        // With the default cost, a page of one task type filtered ten rows of the newest for each
        // row it kept instead of reading the (task_type, processed_at, id) index: 3.6× the executor
        // time; priced for memory, /results?task_type= serves 22 % more pages.
        if (builder.Options?.Contains(RandomPageCostSetting, StringComparison.OrdinalIgnoreCase) != true)
        {
            builder.Options = $"{builder.Options} -c {RandomPageCostSetting}={RandomPageCost}".TrimStart();
        }

        // A server that stopped answering must cost seconds: opening a connection, and giving up
        // on a cancelled statement (a timeout, a request's deadline, a health check's), are bounded.
        if (!Names(connectionString, "timeout"))
        {
            builder.Timeout = ConnectSeconds;
        }

        if (!Names(connectionString, "cancellationtimeout"))
        {
            builder.CancellationTimeout = CancellationMilliseconds;
        }

        return builder.ConnectionString;
    }

    /// <summary>Seconds to open a connection: a server that takes logins does so in milliseconds.</summary>
    public const int ConnectSeconds = 3;

    /// <summary>
    /// Milliseconds to wait for PostgreSQL to confirm a cancelled statement before the connection
    /// is dropped: a hung server never confirms, and Npgsql would wait 2 s for it on every cancel.
    /// </summary>
    public const int CancellationMilliseconds = 500;

    /// <summary>The reader's statements: its role's statement_timeout (3 s), which a hung server cannot enforce.</summary>
    public const int ReaderCommandSeconds = 3;

    /// <summary>
    /// The query API's connection: <see cref="Tune"/>, with a command timeout of its role's own
    /// statement_timeout, so a PostgreSQL that stopped answering (paused, a cut link) costs a client
    /// seconds and a 503, not Npgsql's 30 s default. An operator's own value wins.
    /// </summary>
    /// <summary>
    /// Connections one replica's query API holds at most: with the ingest path's, what every replica
    /// holds together stays under PostgreSQL's max_connections, and the roles' CONNECTION LIMITs
    /// (deploy/postgres/initdb) hold that whatever the replica count. A request past it waits for a
    /// connection for <see cref="ConnectSeconds"/>, then is answered 503.
    /// </summary>
    public const int ReaderPoolSize = 32;

    public const int IngestPoolSize = 16;

    public static string TuneReader(string connectionString) => WithCommandTimeout(connectionString, ReaderCommandSeconds, ReaderPoolSize);

    /// <summary>
    /// The ingest path's statements: a batch insert takes milliseconds, so one that has not
    /// answered in 5 s meets a PostgreSQL that stopped answering. Under the aggregator's 10 s ack
    /// wait, so the batch is held (its ack wait renewed) before JetStream would redeliver it, and
    /// the hold shows (consumer_holding_batches, the PostgresUnavailable alert) in seconds, not
    /// after Npgsql's 30 s default.
    /// </summary>
    public const int IngestCommandSeconds = 5;

    public static string TuneIngest(string connectionString) => WithCommandTimeout(connectionString, IngestCommandSeconds, IngestPoolSize);

    private static string WithCommandTimeout(string connectionString, int seconds, int poolSize)
    {
        var builder = new NpgsqlConnectionStringBuilder(Tune(connectionString));
        if (!Names(connectionString, "commandtimeout"))
        {
            builder.CommandTimeout = seconds;
        }

        if (!Names(connectionString, "maxpoolsize") && !Names(connectionString, "maximum pool size"))
        {
            builder.MaxPoolSize = poolSize;
        }

        return builder.ConnectionString;
    }

    private static bool Names(string connectionString, string keyword)
    {
        // Npgsql accepts "No Reset On Close" and "NoResetOnClose" alike; its builder reports every valid keyword as present.
        var raw = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return raw.Keys.Cast<string>().Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), keyword, StringComparison.OrdinalIgnoreCase));
    }
}
