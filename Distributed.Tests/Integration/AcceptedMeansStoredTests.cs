using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Distributed.Contracts;
using NATS.Client.JetStream;

namespace Distributed.Tests.Integration;

/// <summary>
/// A 202 is a promise: whatever the gateway accepts is stored, faithfully, and nothing accepted
/// holds anything else back. Each body here is valid JSON that once broke that promise.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class AcceptedMeansStoredTests(AppHostFixture topology)
{
    private static readonly TimeSpan StoredWithin = TimeSpan.FromSeconds(30);

    public static TheoryData<string, HttpStatusCode, string> HostileBodies => new()
    {
        { """{"task_type":"t","data":"a\u0000b"}""", HttpStatusCode.UnprocessableEntity, "\\u0000" },
        { """{"task_type":"t","data":{"\u0000":1}}""", HttpStatusCode.UnprocessableEntity, "\\u0000" },
        { """{"task_type":"t","data":1e1000000}""", HttpStatusCode.UnprocessableEntity, "numeric" },
        { """{"task_type":"t","data":"\ud800"}""", HttpStatusCode.BadRequest, "surrogate" },
        { """{"task_type":"\ud800","data":1}""", HttpStatusCode.BadRequest, "surrogate" },
        { """{"task_type":"t","data":{"a":1,"a":2}}""", HttpStatusCode.BadRequest, "twice" },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task Data_postgresql_cannot_hold_is_refused_up_front_with_a_problem_naming_it(string body, HttpStatusCode status, string named)
    {
        using var response = await PostAsync(body);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_escape_heavy_body_under_one_mebibyte_is_accepted_and_stored_as_sent()
    {
        // 900 KB of characters a serializer would escape six-fold, and non-ASCII text as escapes.
        var data = "\"" + new string('<', 450_000) + "\\u00e9\\ud83d\\ude00" + new string('&', 450_000) + "\"";
        var row = await SubmitAndFindAsync("escapes", data);

        AssertSameJson(data, row.GetProperty("payload"));
    }

    [Theory]
    [InlineData("[-0, 1e2, 1.50, 123456789012345678901234567890123456789, 1e-300, 0.000001]")]
    [InlineData("\"tab\\t nl\\n \\u0001 \\\\u0000 \\\"q\\\" \\ud83d\\ude00\"")]
    [InlineData("{\"b\":1,\"a\":{\"z\":[true,false,null]},\"\":\"empty key\"}")]
    public async Task Storable_data_reaches_the_row_as_the_same_json_value(string data)
    {
        var row = await SubmitAndFindAsync("faithful", data);

        AssertSameJson(data, row.GetProperty("payload"));
    }

    [Fact]
    public async Task Data_nested_to_the_accepted_limit_is_stored_and_listed()
    {
        var taskType = "deep" + Guid.NewGuid().ToString("N")[..8];
        var depth = Distributed.Gateway.TaskSubmissionParser.MaxDepth - 1;
        var data = new string('[', depth) + "1" + new string(']', depth);
        var row = await SubmitAndFindAsync(taskType, data);
        AssertSameJson(data, row.GetProperty("payload"));

        var listed = await topology.Aggregator.ListResultsAsync($"task_type={taskType}");
        AssertSameJson(data, Assert.Single(listed).GetProperty("payload"));
    }

    [Fact]
    public async Task Poison_mixed_into_ordinary_traffic_holds_none_of_it_back()
    {
        var taskType = "mixed" + Guid.NewGuid().ToString("N")[..8];
        var poison = HostileBodies.Select(row => (string)row[0]).ToList();
        var ordinary = Enumerable.Range(0, 100).Select(i => $$$"""{"task_type":"{{{taskType}}}","data":{"n":{{{i}}}}}""");
        var bodies = ordinary.Concat(poison.SelectMany(p => Enumerable.Repeat(p, 5))).OrderBy(_ => Random.Shared.Next()).ToList();

        var answers = await Task.WhenAll(bodies.Select(async body =>
        {
            using var response = await PostAsync(body);
            var requestId = response.StatusCode == HttpStatusCode.Accepted
                ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetGuid()
                : Guid.Empty;
            return (Body: body, response.StatusCode, RequestId: requestId);
        }));

        // Every poison body was refused up front; every ordinary one was accepted.
        Assert.All(answers.Where(a => poison.Contains(a.Body)), a => Assert.NotEqual(HttpStatusCode.Accepted, a.StatusCode));
        var accepted = answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).Select(a => a.RequestId).ToHashSet();
        Assert.Equal(100, accepted.Count);

        var stored = await Eventually.MatchAsync(
            () => topology.Aggregator.ListResultsAsync($"task_type={taskType}&limit=1000"),
            rows => rows.Length >= 100,
            StoredWithin,
            "all 100 ordinary tasks");
        Assert.Equal(accepted, stored.Select(r => r.GetProperty("request_id").GetGuid()).ToHashSet());
    }

    [Fact]
    public async Task A_result_postgresql_refuses_is_dead_lettered_with_its_error_and_the_rest_of_its_batch_is_stored()
    {
        // The gateway keeps such data out, so publish straight to the results stream, as a
        // faulty or older processor might, in the middle of good results.
        var taskType = "poisonrow" + Guid.NewGuid().ToString("N")[..8];
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var jetStream = new NatsJSContext(nats);
        var poisonId = Guid.NewGuid();
        var good = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToList();
        var ids = good.Take(25).Append(poisonId).Concat(good.Skip(25)).ToList();
        await Task.WhenAll(ids.Select(async id =>
        {
            var payload = id == poisonId ? RawJson.FromText("\"a\\u0000b\"") : RawJson.FromText("{\"ok\":true}");
            var result = new ResultMessage(id, taskType, payload, null, "test", DateTimeOffset.UtcNow);
            var ack = await jetStream.PublishAsync(Subjects.Result(taskType), ContractJson.Serialize(result));
            ack.EnsureSuccess();
        }));

        var stored = await Eventually.MatchAsync(
            () => topology.Aggregator.ListResultsAsync($"task_type={taskType}&limit=1000"),
            rows => rows.Length >= good.Count,
            StoredWithin,
            "the 50 good results");
        Assert.Equal(good.ToHashSet(), stored.Select(r => r.GetProperty("request_id").GetGuid()).ToHashSet());

        var letter = await Eventually.MatchAsync(
            async () => (await NatsTestClient.DeadLettersAsync(nats, Subjects.DeadLetter("aggregator")))
                .FirstOrDefault(l => l.Body.Contains(poisonId.ToString(), StringComparison.Ordinal)),
            l => l.Body is not null,
            StoredWithin,
            "the refused result in deadletter.aggregator");
        Assert.Contains("PostgreSQL 22", letter.Reason, StringComparison.Ordinal);
        Assert.Null(await topology.Aggregator.FindResultAsync(poisonId));
    }

    [Fact]
    public async Task An_undecodable_task_is_dead_lettered_and_never_retried()
    {
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var jetStream = new NatsJSContext(nats);
        var marker = Guid.NewGuid().ToString();
        // Well-formed JSON, but no data: the processor once threw on it outside its error handling, forever.
        var ack = await jetStream.PublishAsync("tasks.nodata", Encoding.UTF8.GetBytes(
            $$"""{"request_id":"{{marker}}","task_type":"nodata","submitted_at":"2026-01-01T00:00:00Z"}"""));
        ack.EnsureSuccess();

        var letter = await Eventually.MatchAsync(
            async () => (await NatsTestClient.DeadLettersAsync(nats, Subjects.DeadLetter("processor")))
                .FirstOrDefault(l => l.Body.Contains(marker, StringComparison.Ordinal)),
            l => l.Body is not null,
            StoredWithin,
            "the task without data in deadletter.processor");
        Assert.Contains("data is missing", letter.Reason, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PostAsync(string body)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return await topology.Gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);
    }

    private async Task<JsonElement> SubmitAndFindAsync(string taskType, string dataJson)
    {
        var accepted = await topology.Gateway.SubmitAsync(taskType, dataJson);
        var row = await Eventually.MatchAsync(
            () => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, StoredWithin, $"task {accepted.RequestId}");
        return row!.Value;
    }

    private static void AssertSameJson(string expected, JsonElement actual)
    {
        using var document = JsonDocument.Parse(expected, new JsonDocumentOptions { MaxDepth = 256 });
        Assert.True(JsonElement.DeepEquals(document.RootElement, actual), $"stored {Truncate(actual.GetRawText())}, sent {Truncate(expected)}");
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
