using Distributed.Messaging;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Distributed.Aggregator.Data;

/// <summary>
/// Gets the results schema in place before the aggregator reads or writes, retrying until
/// PostgreSQL answers. Given one role for everything (DATABASE_URL alone, as the original), the
/// aggregator owns the schema and runs the migrations itself; given separate roles, the
/// provisioning step owns it and the aggregator, which holds neither the owner's URL nor any DDL
/// right, waits until the tables answer its ingest role.
/// </summary>
public sealed partial class DatabaseMigrator(IServiceScopeFactory scopes, ResultsRoles roles, ILogger<DatabaseMigrator> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>The schema is in place.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await DependencyRetry.UntilSuccessAsync(
            async cancellationToken =>
            {
                await using var scope = scopes.CreateAsyncScope();
                if (roles.OwnsSchema)
                {
                    await ResultsSchema.ApplyAsync(scope.ServiceProvider.GetRequiredService<ResultsDbContext>(), null, null, cancellationToken);
                }
                else
                {
                    var db = scope.ServiceProvider.GetRequiredService<ResultsIngestDbContext>();
                    await db.Database.ExecuteSqlRawAsync("SELECT count(*) FROM task_type_counts WHERE false", cancellationToken);
                }

                return true;
            },
            ex => ex is NpgsqlException or InvalidOperationException or TimeoutException,
            (ex, delay) => LogWaiting(ex.GetBaseException().Message, delay.TotalMilliseconds),
            stoppingToken);
        LogReady(roles.OwnsSchema ? "migrated by the aggregator" : "as the provisioning step left it");
        _ready.TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date ({How})")]
    private partial void LogReady(string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Results schema not usable yet ({Reason}); retrying in {DelayMs} ms")]
    private partial void LogWaiting(string reason, double delayMs);
}
