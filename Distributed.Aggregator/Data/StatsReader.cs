using System.Collections.Concurrent;
using Distributed.Aggregator.Api;
using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Data;

/// <summary>
/// The per-type counts behind <c>GET /stats</c>: one row per client and task type, kept by the
/// batch that stores the rows, read through one <see cref="SharedRead{T}"/> per client so 64
/// concurrent callers of one client cost PostgreSQL one query per round instead of 64, and no
/// answer is older than its request.
/// </summary>
public sealed class StatsReader(IServiceScopeFactory scopes)
{
    /// <summary>
    /// Clients whose shared read is kept between requests. A read is cheap to make again, so past
    /// this the map is emptied rather than grown by every client that ever asked (in-flight reads finish).
    /// </summary>
    private const int KeptClients = 4096;

    private readonly ConcurrentDictionary<string, SharedRead<StatsResponse>> _reads = new(StringComparer.Ordinal);

    public Task<StatsResponse> ReadAsync(string client, CancellationToken cancellationToken)
    {
        if (!_reads.TryGetValue(client, out var read))
        {
            // Counted only for a client not seen yet: Count takes every lock of the map.
            if (_reads.Count >= KeptClients)
            {
                _reads.Clear();
            }

            read = _reads.GetOrAdd(client, key => new SharedRead<StatsResponse>(() => QueryAsync(key)));
        }

        return read.ReadAsync(cancellationToken);
    }

    private async Task<StatsResponse> QueryAsync(string client)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsReaderDbContext>();
        var totals = db.TaskTypeTotals.AsNoTracking().Where(t => t.ClientId == client);
        // Not cancelled with one request: others may be waiting on the same read.
        var byType = await totals
            .OrderByDescending(t => t.Count)
            .ThenBy(t => t.TaskType)
            .Take(StatsResponse.MaxTaskTypes)
            .Select(t => new TaskTypeCount(t.TaskType, t.Count))
            .ToListAsync(CancellationToken.None);
        var total = byType.Count < StatsResponse.MaxTaskTypes
            ? byType.Sum(c => c.Count)
            : await totals.SumAsync(t => t.Count, CancellationToken.None);
        return new StatsResponse(total, byType);
    }
}
