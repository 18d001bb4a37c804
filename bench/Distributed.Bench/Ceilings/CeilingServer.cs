using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Distributed.Contracts;
using Distributed.Gateway;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Bench.Ceilings;

/// <summary>
/// <c>ceiling-server</c>: the least a gateway can do, as its own process like the gateway.
/// <c>--mode parse</c> reads and validates the body with the gateway's parser and answers 202;
/// <c>--mode jetstream</c> also publishes the task message to a stream and waits for its ack.
/// No middleware, metrics, tracing or logging: the distance to the real gateway is their cost.
/// </summary>
public static class CeilingServer
{
    public const string Stream = "BENCH_CEILING";
    private const string Subject = "bench.ceiling.tasks";

    public static async Task<int> RunAsync(Arguments args)
    {
        var port = args.Count("port", 5080);
        var publish = args.Text("mode", "parse") == "jetstream";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();

        await using var nats = publish ? BenchConnections.Connect(args.Text("nats", "nats://localhost:4222"), "ceiling-server") : null;
        var jetStream = nats is null ? null : new NatsJSContext(nats);
        if (jetStream is not null)
        {
            await jetStream.CreateOrUpdateStreamAsync(new StreamConfig(Stream, [Subject])
            {
                Storage = StreamConfigStorage.File,
                Retention = StreamConfigRetention.Limits,
                MaxMsgs = 2_000_000,
                Discard = StreamConfigDiscard.Old,
                DuplicateWindow = TimeSpan.FromMinutes(2),
            });
        }

        app.MapGet("/health", () => Results.Ok());
        app.MapPost("/tasks", async (HttpContext context) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, RequestLimits.MaxBodyBytes, context.RequestAborted);
            if (body is null || !TaskSubmissionParser.TryParse(body.Value, out var submission, out var error))
            {
                return Results.StatusCode(StatusCodes.Status400BadRequest);
            }

            var task = new TaskMessage(Guid.NewGuid(), submission!.TaskType, submission.Data, DateTimeOffset.UtcNow);
            if (jetStream is not null)
            {
                var ack = await jetStream.PublishAsync(Subject, ContractJson.Serialize(task), opts: new NatsJSPubOpts { MsgId = task.RequestId.ToString() });
                ack.EnsureSuccess();
            }

            return Results.Json(new TaskAccepted(task.RequestId, "accepted"), statusCode: StatusCodes.Status202Accepted);
        });

        await app.RunAsync();
        return 0;
    }
}
