using Distributed.Aggregator.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Api;

public static class ResultEndpoints
{
    public static IEndpointRouteBuilder MapResultEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/results", ListAsync).WithName("ListResults");
        endpoints.MapGet("/results/{request_id}", GetAsync).WithName("GetResult");
        endpoints.MapGet("/stats", StatsAsync).WithName("Stats");
        return endpoints;
    }

    private static async Task<Results<Ok<List<ResultResponse>>, ProblemHttpResult>> ListAsync(
        HttpRequest request, ResultsDbContext db, CancellationToken cancellationToken)
    {
        if (!ResultQuery.TryParse(request.Query["task_type"], request.Query["limit"], out var query, out var error))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query", detail: error);
        }

        var rows = db.Results.AsNoTracking();
        if (query!.TaskType is { } taskType)
        {
            rows = rows.Where(r => r.TaskType == taskType);
        }

        var page = await rows
            .OrderByDescending(r => r.ProcessedAt)
            .ThenByDescending(r => r.Id)
            .Take(query.Limit)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.Select(ResultResponse.From).ToList());
    }

    private static async Task<Results<Ok<ResultResponse>, ProblemHttpResult>> GetAsync(
        string request_id, ResultsDbContext db, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var requestId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request id",
                detail: $"'{request_id}' is not a UUID.");
        }

        var row = await db.Results.AsNoTracking().SingleOrDefaultAsync(r => r.RequestId == requestId, cancellationToken);
        return row is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Result not found",
                detail: $"No result is stored for request {requestId}.")
            : TypedResults.Ok(ResultResponse.From(row));
    }

    private static async Task<Ok<StatsResponse>> StatsAsync(ResultsDbContext db, CancellationToken cancellationToken)
    {
        var counts = await db.Results.AsNoTracking()
            .GroupBy(r => r.TaskType)
            .Select(g => new { TaskType = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        // One row per task type: ordering them here costs nothing and keeps the SQL simple.
        var byType = counts
            .OrderByDescending(c => c.Count)
            .ThenBy(c => c.TaskType, StringComparer.Ordinal)
            .Select(c => new TaskTypeCount(c.TaskType, c.Count))
            .ToList();
        return TypedResults.Ok(new StatsResponse(byType.Sum(c => c.Count), byType));
    }
}
