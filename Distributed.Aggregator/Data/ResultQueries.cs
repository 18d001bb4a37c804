using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Data;

/// <summary>
/// The query API's statements, compiled once: a LINQ query is otherwise re-parsed and looked up
/// in EF's cache on every request, which the profile showed as a large share of a page's CPU.
/// Each is a range scan of an index that matches its ORDER BY (see <see cref="ResultsDbContext"/>).
/// </summary>
public static class ResultQueries
{
    public static readonly Func<ResultsDbContext, int, IAsyncEnumerable<ResultRow>> Newest =
        EF.CompileAsyncQuery((ResultsDbContext db, int limit) => db.Results.AsNoTracking()
            .OrderByDescending(r => r.ProcessedAt).ThenByDescending(r => r.Id)
            .Take(limit));

    public static readonly Func<ResultsDbContext, string, int, IAsyncEnumerable<ResultRow>> NewestOfType =
        EF.CompileAsyncQuery((ResultsDbContext db, string taskType, int limit) => db.Results.AsNoTracking()
            .Where(r => r.TaskType == taskType)
            .OrderByDescending(r => r.ProcessedAt).ThenByDescending(r => r.Id)
            .Take(limit));

    // A row-value comparison, so PostgreSQL continues the index range scan where the page ended.
    public static readonly Func<ResultsDbContext, DateTimeOffset, Guid, int, IAsyncEnumerable<ResultRow>> Before =
        EF.CompileAsyncQuery((ResultsDbContext db, DateTimeOffset processedAt, Guid id, int limit) => db.Results.AsNoTracking()
            .Where(r => EF.Functions.LessThan(ValueTuple.Create(r.ProcessedAt, r.Id), ValueTuple.Create(processedAt, id)))
            .OrderByDescending(r => r.ProcessedAt).ThenByDescending(r => r.Id)
            .Take(limit));

    public static readonly Func<ResultsDbContext, string, DateTimeOffset, Guid, int, IAsyncEnumerable<ResultRow>> BeforeOfType =
        EF.CompileAsyncQuery((ResultsDbContext db, string taskType, DateTimeOffset processedAt, Guid id, int limit) => db.Results.AsNoTracking()
            .Where(r => r.TaskType == taskType)
            .Where(r => EF.Functions.LessThan(ValueTuple.Create(r.ProcessedAt, r.Id), ValueTuple.Create(processedAt, id)))
            .OrderByDescending(r => r.ProcessedAt).ThenByDescending(r => r.Id)
            .Take(limit));

    /// <summary>Where a page that ends at row <c>id</c> ended: its (processed_at, id), or null for no such row.</summary>
    public static readonly Func<ResultsDbContext, Guid, Task<ResultRow?>> ById =
        EF.CompileAsyncQuery((ResultsDbContext db, Guid id) => db.Results.AsNoTracking().SingleOrDefault(r => r.Id == id));

    public static readonly Func<ResultsDbContext, Guid, Task<ResultRow?>> ByRequestId =
        EF.CompileAsyncQuery((ResultsDbContext db, Guid requestId) => db.Results.AsNoTracking().SingleOrDefault(r => r.RequestId == requestId));
}
