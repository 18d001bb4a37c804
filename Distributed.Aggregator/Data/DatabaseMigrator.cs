using Distributed.Messaging;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Distributed.Aggregator.Data;

/// <summary>Applies the EF Core migrations at start-up, retrying until PostgreSQL answers.</summary>
public sealed partial class DatabaseMigrator(IServiceScopeFactory scopes, ILogger<DatabaseMigrator> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Retry.UntilSuccessAsync(
            async cancellationToken =>
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
                await db.Database.MigrateAsync(cancellationToken);
                return true;
            },
            ex => ex is NpgsqlException or InvalidOperationException or TimeoutException,
            (ex, delay) => LogWaiting(ex.GetBaseException().Message, delay.TotalMilliseconds),
            stoppingToken);

        LogMigrated();
        _ready.TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date")]
    private partial void LogMigrated();

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL not usable yet ({Reason}); retrying in {DelayMs} ms")]
    private partial void LogWaiting(string reason, double delayMs);
}
