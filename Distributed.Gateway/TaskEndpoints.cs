using System.Diagnostics;
using Distributed.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Distributed.Gateway;

public static class TaskEndpoints
{
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/tasks", SubmitAsync)
            .WithName("SubmitTask")
            .WithTags("Tasks")
            .WithSummary("Submit a task: 202 once JetStream has stored it")
            .RequireAuthorization(ApiScopes.TasksWrite)
            .RequireRateLimiting(ClientRateLimit.Policy)
            // The body is read as bytes (never bound), so its shape is declared for the document.
            .Accepts<TaskRequestBody>("application/json")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter
                {
                    Name = IdempotencyKey.HeaderName,
                    In = Microsoft.OpenApi.ParameterLocation.Header,
                    Required = false,
                    Description = $"1-{IdempotencyKey.MaxLength} printable ASCII characters. The same key with the same body is one task, stored once, answered with the same request_id.",
                    Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, MaxLength = IdempotencyKey.MaxLength },
                });
                return Task.CompletedTask;
            })
            .Produces<TaskAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return endpoints;
    }

    private static async Task<IResult> SubmitAsync(
        HttpContext context, TaskPublisher publisher, IdempotencyStore idempotency, SubmissionSlots slots, ApiClients clients, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        ExposeTraceParent(context);
        var request = context.Request;

        if (!request.HasJsonContentType())
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the task as application/json, not '{request.ContentType ?? "no content type"}'.");
        }

        ReadOnlyMemory<byte>? body;
        using (var bodyDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bodyDeadline.CancelAfter(RequestLimits.BodyDeadline);
            try
            {
                body = await RequestBody.ReadAsync(request, RequestLimits.MaxBodyBytes, bodyDeadline.Token);
            }
            catch (Exception ex) when (RequestBody.IsTooSlow(ex, bodyDeadline.Token, cancellationToken))
            {
                context.Response.Headers.Connection = "close";
                return Problem(StatusCodes.Status408RequestTimeout, "Body too slow", RequestLimits.BodyFloorDescription);
            }
        }

        if (body is null)
        {
            // The rest of the body is not read; the connection cannot carry another request.
            context.Response.Headers.Connection = "close";
            return Problem(StatusCodes.Status413PayloadTooLarge, "Body too large",
                $"A task body may be at most {RequestLimits.MaxBodyBytes} bytes.");
        }

        if (!TaskSubmissionParser.TryParse(body.Value, out var submission, out var error))
        {
            return Problem(error!.StatusCode, error.Title, error.Detail);
        }

        // A slot only now the body is here: a client's pace cannot hold one.
        using var slot = slots.TryTake();
        if (!slot.IsAcquired)
        {
            RetryAfter.Apply(context.Response);
            return Problem(StatusCodes.Status503ServiceUnavailable, "Gateway busy",
                $"{slots.Limit} tasks are being handed to NATS already; retry after {RetryAfter.Seconds} s.");
        }

        // From here on the gateway waits only on NATS, and never longer than its stated deadline.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.AnswerDeadline);
        try
        {
            return await AcceptAsync(context, clients.ClientOf(context), submission!, body.Value, publisher, idempotency, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Nothing was published yet (the Idempotency-Key check did not answer): not stored.
            return Unavailable(context, $"NATS did not answer within {options.Value.AnswerDeadlineMs} ms");
        }
    }

    private static async Task<IResult> AcceptAsync(
        HttpContext context, string client, TaskSubmission submission, ReadOnlyMemory<byte> body, TaskPublisher publisher, IdempotencyStore idempotency, CancellationToken cancellationToken)
    {
        var request = context.Request;
        Guid? requestId = null;
        if (request.Headers.TryGetValue(IdempotencyKey.HeaderName, out var keys))
        {
            var key = keys.ToString();
            if (keys.Count != 1 || !IdempotencyKey.IsValid(key))
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key",
                    $"Send one {IdempotencyKey.HeaderName} of 1-{IdempotencyKey.MaxLength} printable ASCII characters.");
            }

            requestId = IdempotencyKey.ToRequestId(client, key, body.Span);
            switch (await idempotency.ClaimAsync(IdempotencyKey.ToKeyId(client, key), body, cancellationToken))
            {
                case IdempotencyClaim.Mismatch:
                    return Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                        $"This {IdempotencyKey.HeaderName} was sent before with a different body; use a new key for a new task.");
                case IdempotencyClaim.Unavailable:
                    return Unavailable(context, "NATS could not check the Idempotency-Key");
            }
        }

        // A keyed retry publishes again under the same message id: JetStream's duplicate window (or,
        // past it, the results' unique request_id) keeps it to one stored task.
        var outcome = await publisher.PublishAsync(submission, client, requestId, cancellationToken);
        switch (outcome.Status)
        {
            case PublishStatus.Accepted:
                return TypedResults.Json(new TaskAccepted(outcome.RequestId, "accepted"), statusCode: StatusCodes.Status202Accepted);
            case PublishStatus.TooLarge:
                return Problem(StatusCodes.Status413PayloadTooLarge, "Task too large", $"The task was not accepted: {outcome.Failure}.");
            case PublishStatus.Unknown:
                return OutcomeUnknown(context, outcome.RequestId);
            default:
                return Unavailable(context, outcome.Failure);
        }
    }

    /// <summary>
    /// The task was handed to NATS and no acknowledgement came back in time: it may be stored.
    /// The client settles it with the request id (GET /results/{id}) or a retry with the same
    /// Idempotency-Key, which is stored once whichever way it went.
    /// </summary>
    private static ProblemHttpResult OutcomeUnknown(HttpContext context, Guid requestId)
    {
        RetryAfter.Apply(context.Response);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Outcome unknown",
            detail: $"The task {requestId} was sent to NATS, but whether JetStream stored it could not be learned in time. "
                + $"GET /results/{requestId} shows it once stored; a retry with the same {IdempotencyKey.HeaderName} after {RetryAfter.Seconds} s is stored once either way.",
            extensions: new Dictionary<string, object?> { ["request_id"] = requestId, ["outcome"] = "unknown" });
    }

    private static ProblemHttpResult Unavailable(HttpContext context, string? failure)
    {
        RetryAfter.Apply(context.Response);
        return Problem(StatusCodes.Status503ServiceUnavailable, "Task queue unavailable",
            $"The task was not accepted ({failure}); retry after {RetryAfter.Seconds} s.");
    }

    /// <summary>The W3C trace context of this request, so a client can find the task's trace.</summary>
    private static void ExposeTraceParent(HttpContext context)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            context.Response.Headers["traceparent"] = activity.Id;
        }
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}

/// <summary>The shape of a <c>POST /tasks</c> body, for the OpenAPI document only: the endpoint parses the bytes itself.</summary>
/// <param name="TaskType">1-64 characters of [A-Za-z0-9_-].</param>
/// <param name="Data">Any JSON value, null included; stored as sent.</param>
public sealed record TaskRequestBody(
    [property: System.Text.Json.Serialization.JsonPropertyName("task_type")] string TaskType,
    [property: System.Text.Json.Serialization.JsonPropertyName("data")] System.Text.Json.JsonElement? Data);

public sealed record TaskAccepted(
    [property: System.Text.Json.Serialization.JsonPropertyName("request_id")] Guid RequestId,
    [property: System.Text.Json.Serialization.JsonPropertyName("status")] string Status);
