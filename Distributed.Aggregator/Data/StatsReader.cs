using Distributed.Aggregator.Api;
using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Data;

/// <summary>
/// The per-type counts behind <c>GET /stats</c>: one row per task type, kept by the batch that
/// stores the rows, read through <see cref="SharedRead{T}"/> so 64 concurrent clients cost
/// PostgreSQL one query per round instead of 64, and no answer is older than its request.
/// </summary>
public sealed class StatsReader
{
    private readonly IServiceScopeFactory _scopes;
    private readonly SharedRead<StatsResponse> _read;

    public StatsReader(IServiceScopeFactory scopes)
    {
        _scopes = scopes;
        _read = new SharedRead<StatsResponse>(QueryAsync);
    }

    public Task<StatsResponse> ReadAsync(CancellationToken cancellationToken) => _read.ReadAsync(cancellationToken);

    private async Task<StatsResponse> QueryAsync()
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsReaderDbContext>();
        // Not cancelled with one request: others may be waiting on the same read.
        var byType = await db.TaskTypeTotals.AsNoTracking()
            .OrderByDescending(t => t.Count)
            .ThenBy(t => t.TaskType)
            .Take(StatsResponse.MaxTaskTypes)
            .Select(t => new TaskTypeCount(t.TaskType, t.Count))
            .ToListAsync(CancellationToken.None);
        var total = byType.Count < StatsResponse.MaxTaskTypes
            ? byType.Sum(c => c.Count)
            : await db.TaskTypeTotals.SumAsync(t => t.Count, CancellationToken.None);
        return new StatsResponse(total, byType);
    }
}
