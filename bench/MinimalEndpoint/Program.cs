using System.Text.Json;
using System.Text.Json.Serialization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

var builder = WebApplication.CreateBuilder(args);
await using var nats = new NatsConnection(new NatsOpts { Url = builder.Configuration["NATS_URL"] ?? "nats://127.0.0.1:4222" });
var jetStream = new NatsJSContext(nats);
await jetStream.CreateOrUpdateStreamAsync(new StreamConfig("MINIMAL", ["minimal.>"]));
var app = builder.Build();

app.MapPost("/tasks", async (TaskRequest task) =>
{
    var message = new TaskMessage(Guid.NewGuid(), task.TaskType, task.Data, DateTimeOffset.UtcNow);
    var ack = await jetStream.PublishAsync($"minimal.{task.TaskType}", JsonSerializer.SerializeToUtf8Bytes(message));
    ack.EnsureSuccess();
    return Results.Json(new TaskAccepted(message.RequestId, "accepted"), statusCode: StatusCodes.Status202Accepted);
});
app.MapGet("/health", () => "ok");

app.Run();

sealed record TaskRequest([property: JsonPropertyName("task_type")] string TaskType, [property: JsonPropertyName("data")] JsonElement Data);
sealed record TaskMessage(
    [property: JsonPropertyName("request_id")] Guid RequestId,
    [property: JsonPropertyName("task_type")] string TaskType,
    [property: JsonPropertyName("data")] JsonElement Data,
    [property: JsonPropertyName("submitted_at")] DateTimeOffset SubmittedAt);
sealed record TaskAccepted([property: JsonPropertyName("request_id")] Guid RequestId, [property: JsonPropertyName("status")] string Status);
