using Distributed.Messaging;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Distributed.Aggregator.Data;

/// <summary>
/// Applies the EF Core migrations at start-up as the database's owner, retrying until PostgreSQL
/// answers, then grants the ingest and reader roles exactly the table rights their paths need.
/// </summary>
public sealed partial class DatabaseMigrator(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<DatabaseMigrator> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>The schema is in place and the roles have their rights.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await DependencyRetry.UntilSuccessAsync(
            async cancellationToken =>
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
                await db.Database.MigrateAsync(cancellationToken);
                await GrantAsync(db, cancellationToken);
                return true;
            },
            ex => ex is NpgsqlException or InvalidOperationException or TimeoutException,
            (ex, delay) => LogWaiting(ex.GetBaseException().Message, delay.TotalMilliseconds),
            stoppingToken);
        LogMigrated();
        _ready.TrySetResult();
    }

    /// <summary>
    /// The ingest role inserts rows (reading back what its statement returns) and upserts the
    /// per-type counts; the reader selects. Nothing more: no DELETE, no UPDATE of a stored result,
    /// no DDL. By hand, with one role for everything, there is nothing to grant.
    /// </summary>
    private async Task GrantAsync(ResultsDbContext db, CancellationToken cancellationToken)
    {
        var owner = UserOf(ResultsDatabaseExtensions.OwnerConnectionName);
        var statements = new List<string>();
        if (UserOf(ResultsDatabaseExtensions.ConnectionName) is { } ingest && ingest != owner)
        {
            statements.Add($"GRANT SELECT, INSERT ON results TO {Quote(ingest)}");
            statements.Add($"GRANT SELECT, INSERT, UPDATE ON task_type_counts TO {Quote(ingest)}");
        }

        if (UserOf(ResultsDatabaseExtensions.ReaderConnectionName) is { } reader && reader != owner)
        {
            statements.Add($"GRANT SELECT ON results, task_type_counts TO {Quote(reader)}");
        }

        if (statements.Count == 0)
        {
            return;
        }

        // Replicas start together, and two GRANTs on one table at once can fail ("tuple
        // concurrently updated"): one replica grants at a time.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(TakeGrantLock, cancellationToken);
        foreach (var statement in statements)
        {
            await db.Database.ExecuteSqlRawAsync(statement, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>An advisory lock of the aggregator's own (its key is "aggr" in ASCII).</summary>
    private const string TakeGrantLock = "SELECT pg_advisory_xact_lock(1634166642)";

    private string? UserOf(string connectionName) =>
        new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(connectionName)).Username;

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date")]
    private partial void LogMigrated();

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL not usable yet ({Reason}); retrying in {DelayMs} ms")]
    private partial void LogWaiting(string reason, double delayMs);
}
