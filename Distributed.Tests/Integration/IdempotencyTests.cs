using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Distributed.Tests.Integration;

/// <summary>Idempotency-Key as draft-ietf-httpapi-idempotency-key-header describes it.</summary>
[Collection(AppHostCollection.Name)]
public sealed class IdempotencyTests(AppHostFixture topology)
{
    [Fact]
    public async Task A_retried_submission_with_the_same_key_and_body_is_accepted_once_and_stored_once()
    {
        var taskType = "idem" + Guid.NewGuid().ToString("N")[..8];
        var key = Guid.NewGuid().ToString();
        var body = $$$"""{"task_type":"{{{taskType}}}","data":{"attempt":"first"}}""";
        var requestIds = new List<Guid>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var response = await SendAsync(body, key);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            requestIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetGuid());
        }

        Assert.Single(requestIds.Distinct());
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(requestIds[0]), r => r is not null, TimeSpan.FromSeconds(60), "the task");

        // A later task of the same type is stored after it; by then a duplicate would be too.
        var later = await topology.Gateway.SubmitAsync(taskType, """{"attempt":"later"}""");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(later.RequestId), r => r is not null, TimeSpan.FromSeconds(60), "the later task");
        Assert.Equal(2, (await topology.Aggregator.StatsAsync()).CountFor(taskType));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_a_422_problem_and_stores_nothing_new()
    {
        var taskType = "idemx" + Guid.NewGuid().ToString("N")[..8];
        var key = Guid.NewGuid().ToString();
        using (var first = await SendAsync($$"""{"task_type":"{{taskType}}","data":1}""", key))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        using var reused = await SendAsync($$"""{"task_type":"{{taskType}}","data":2}""", key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);
        var problem = await reused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("different body", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var later = await topology.Gateway.SubmitAsync(taskType, "3");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(later.RequestId), r => r is not null, TimeSpan.FromSeconds(60), "the later task");
        var rows = await topology.Aggregator.ListResultsAsync($"task_type={taskType}");
        Assert.Equal(["1", "3"], rows.Select(r => r.GetProperty("payload").GetRawText()).Order().ToArray());
    }

    [Fact]
    public async Task A_malformed_idempotency_key_is_a_400_problem()
    {
        using var response = await SendAsync("""{"task_type":"idem","data":1}""", "has space");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Only_a_keyed_task_carries_its_request_id_as_the_JetStream_message_id()
    {
        // An unkeyed task has a new request id on every try, so a message id could never match an
        // earlier one and would only cost nats-server its duplicate-window bookkeeping.
        var taskType = "msgid" + Guid.NewGuid().ToString("N")[..8];
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        await using var published = await nats.SubscribeCoreAsync<byte[]>($"tasks.{taskType}");
        await nats.PingAsync();

        var unkeyed = await topology.Gateway.SubmitAsync(taskType, "1");
        Guid keyed;
        using (var response = await SendAsync($$"""{"task_type":"{{taskType}}","data":2}""", Guid.NewGuid().ToString()))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            keyed = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetGuid();
        }

        var messageIds = new Dictionary<Guid, string?>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var msg in published.Msgs.ReadAllAsync(deadline.Token))
        {
            var requestId = JsonDocument.Parse(msg.Data).RootElement.GetProperty("request_id").GetGuid();
            messageIds[requestId] = msg.Headers?.TryGetValue("Nats-Msg-Id", out var id) == true ? id.ToString() : null;
            if (messageIds.Count == 2)
            {
                break;
            }
        }

        Assert.Null(messageIds[unkeyed.RequestId]);
        Assert.Equal(keyed.ToString(), messageIds[keyed]);
    }

    private async Task<HttpResponseMessage> SendAsync(string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await topology.Gateway.SendAsync(request);
    }
}
