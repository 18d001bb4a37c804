using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Data;

/// <summary>
/// The query API's EF statements, compiled once: a LINQ query is otherwise re-parsed and looked
/// up in EF's cache on every request. (Pages of results are read by <see cref="ResultPageReader"/>.)
/// </summary>
public static class ResultQueries
{
    public static readonly Func<ResultsDbContext, Guid, Task<ResultRow?>> ByRequestId =
        EF.CompileAsyncQuery((ResultsDbContext db, Guid requestId) => db.Results.AsNoTracking().SingleOrDefault(r => r.RequestId == requestId));
}
