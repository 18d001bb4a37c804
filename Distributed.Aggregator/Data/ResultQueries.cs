using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Data;

/// <summary>
/// The query API's EF statements, compiled once: a LINQ query is otherwise re-parsed and looked
/// up in EF's cache on every request. (Pages of results are read by <see cref="ResultPageReader"/>.)
/// </summary>
public static class ResultQueries
{
    /// <summary>A client's result by its request id: another client's is not found, as if it were not there.</summary>
    public static readonly Func<ResultsDbContext, Guid, string, Task<ResultRow?>> ByRequestId =
        EF.CompileAsyncQuery((ResultsDbContext db, Guid requestId, string client) =>
            db.Results.AsNoTracking().SingleOrDefault(r => r.RequestId == requestId && r.ClientId == client));
}
