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
        HttpRequest request, HttpResponse response, ResultPageReader pages, CancellationToken cancellationToken)
    {
        if (!ResultQuery.TryParse(request.Query["task_type"], request.Query["limit"], request.Query["before"], out var query, out var error))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query", detail: error);
        }

        if (await pages.ReadAsync(query, cancellationToken) is not { } page)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query",
                detail: $"'before' names no stored result ({query.Before}); use the id of the last row of the previous page.");
        }

        if (page.HasMore)
        {
            // RFC 8288: the body stays the contract's plain array; the next page is a header away.
            response.Headers.Link = $"</results{query.NextPage(page.Rows[^1].Id)}>; rel=\"next\"";
        }

        return TypedResults.Ok(page.Rows);
    }

    private static async Task<Results<Ok<ResultResponse>, ProblemHttpResult>> GetAsync(
        string request_id, ResultsReaderDbContext db, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var requestId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request id",
                detail: $"'{request_id}' is not a UUID.");
        }

        var row = await ResultQueries.ByRequestId(db, requestId);
        return row is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Result not found",
                detail: $"No result is stored for request {requestId}.")
            : TypedResults.Ok(ResultResponse.From(row));
    }

    private static async Task<Ok<StatsResponse>> StatsAsync(StatsReader stats, CancellationToken cancellationToken) =>
        TypedResults.Ok(await stats.ReadAsync(cancellationToken));
}
