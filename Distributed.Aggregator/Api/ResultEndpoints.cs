using Distributed.Aggregator.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Distributed.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Api;

public static class ResultEndpoints
{
    public static IEndpointRouteBuilder MapResultEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Every query may meet PostgreSQL away or not migrated yet: 503 with Retry-After.
        var api = endpoints.MapGroup(string.Empty).WithTags("Results").ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireAuthorization(ApiScopes.ResultsRead);
        api.AddEndpointFilter(RequireSchemaAsync);
        api.MapGet("/results", ListAsync).WithName("ListResults")
            .WithSummary("Stored results, newest first; a Link header leads to the next page")
            // Read from the query by the handler (ResultQuery validates them), so declared for the document.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(QueryParameter("task_type", "Only results of this task type."));
                operation.Parameters.Add(QueryParameter("limit", "Rows per page, 1-1000 (default 50)."));
                operation.Parameters.Add(QueryParameter("before", "The id of the last row of the previous page (from the Link header)."));
                return Task.CompletedTask;
            })
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/results/{request_id}", GetAsync).WithName("GetResult")
            .WithSummary("The stored result of one task")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/stats", StatsAsync).WithName("Stats")
            .WithSummary("How many results are stored, by task type");
        return endpoints;
    }

    private static Microsoft.OpenApi.OpenApiParameter QueryParameter(string name, string description) => new()
    {
        Name = name,
        In = Microsoft.OpenApi.ParameterLocation.Query,
        Description = description,
        Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String },
    };

    /// <summary>
    /// Until the migrations have run there is no table to read: a query then is answered 503 with
    /// Retry-After, as while PostgreSQL is away, not a 500 for a missing relation.
    /// </summary>
    private static async ValueTask<object?> RequireSchemaAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.RequestServices.GetRequiredService<DatabaseMigrator>().IsReady)
        {
            return await next(context);
        }

        RetryAfter.Apply(context.HttpContext.Response);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Database not ready",
            detail: $"The results schema is not in place yet; retry after {RetryAfter.Seconds} s.");
    }

    private static async Task<Results<Ok<List<ResultResponse>>, ProblemHttpResult>> ListAsync(
        HttpContext context, ResultPageReader pages, ApiClients clients, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!ResultQuery.TryParse(request.Query["task_type"], request.Query["limit"], request.Query["before"], out var query, out var error))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query", detail: error);
        }

        if (await pages.ReadAsync(clients.ClientOf(context), query, cancellationToken) is not { } page)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query",
                detail: $"'before' names no stored result ({query.Before}); use the id of the last row of the previous page.");
        }

        if (page.HasMore)
        {
            // RFC 8288: the body stays the contract's plain array; the next page is a header away.
            context.Response.Headers.Link = $"</results{query.NextPage(page.Rows[^1].Id)}>; rel=\"next\"";
        }

        return TypedResults.Ok(page.Rows);
    }

    private static async Task<Results<Ok<ResultResponse>, ProblemHttpResult>> GetAsync(
        string request_id, HttpContext context, ResultsReaderDbContext db, ApiClients clients, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request_id, out var requestId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request id",
                detail: $"'{request_id}' is not a UUID.");
        }

        var row = await ResultQueries.ByRequestId(db, requestId, clients.ClientOf(context));
        return row is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Result not found",
                detail: $"No result is stored for request {requestId}.")
            : TypedResults.Ok(ResultResponse.From(row));
    }

    private static async Task<Ok<StatsResponse>> StatsAsync(HttpContext context, StatsReader stats, ApiClients clients, CancellationToken cancellationToken) =>
        TypedResults.Ok(await stats.ReadAsync(clients.ClientOf(context), cancellationToken));
}
