using System.Diagnostics;
using Distributed.Aggregator.Api;
using Distributed.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Distributed.Aggregator.Data;

/// <summary>
/// Runs the query API's statements on a few pooled connections before /health says ready. A
/// fresh aggregator otherwise paid for opening connections, planning and unoptimised code all in
/// its first requests: 64 clients over a million rows saw p99 0.5 s and 64 requests past 5 s
/// (docs/benchmarks.md, issue 28), against 13 ms once warm. A failure here only ends the warm-up:
/// the API then answers as it can (503 while PostgreSQL is away).
/// </summary>
public sealed partial class QueryWarmUp(DatabaseMigrator migrator, IServiceScopeFactory scopes, StatsReader stats, ILogger<QueryWarmUp> logger)
    : BackgroundService, IHealthCheck
{
    /// <summary>Connections opened at once, each kept in the pool afterwards.</summary>
    private const int Connections = 8;

    /// <summary>Runs of each statement per connection; 64 in all, past the 30 calls after which the runtime optimises a method.</summary>
    private const int Rounds = 8;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await migrator.WaitUntilReadyAsync(stoppingToken);
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => RunAsync(stoppingToken)));
            await stats.ReadAsync(ClientIdRule.Anonymous, stoppingToken);
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogWarm(Connections, elapsedMs);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            var reason = ex.GetBaseException().Message;
            LogNotWarm(reason);
        }
        finally
        {
            _done.TrySetResult();
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_done.Task.IsCompleted
            ? HealthCheckResult.Healthy("query statements warm")
            : HealthCheckResult.Unhealthy("warming the query statements up"));

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var pages = scope.ServiceProvider.GetRequiredService<ResultPageReader>();
        ResultQuery.TryParse(null, null, null, out var newest, out _);
        ResultQuery.TryParse("warm-up", null, null, out var byType, out _);
        for (var round = 0; round < Rounds; round++)
        {
            await pages.ReadAsync(ClientIdRule.Anonymous, newest!, cancellationToken);
            await pages.ReadAsync(ClientIdRule.Anonymous, byType!, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Query API warm: its statements ran on {Connections} connections in {ElapsedMs:F0} ms")]
    private partial void LogWarm(int connections, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query API warm-up ended early: {Reason}; the first queries will be slower")]
    private partial void LogNotWarm(string reason);
}
