using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Distributed.Tests.Integration;

/// <summary>The HTTP API of docs/contract.md as a client uses it.</summary>
public static class ApiClient
{
    public sealed record Accepted(Guid RequestId, string TraceId);

    /// <summary>Rows carry the client's data at any depth the gateway accepts, inside the listing's own levels.</summary>
    private static readonly JsonSerializerOptions ReadOptions = new(JsonSerializerDefaults.Web) { MaxDepth = 256 };

    public static async Task<Accepted> SubmitAsync(this HttpClient gateway, string taskType, string dataJson)
    {
        using var content = new StringContent($$"""{"task_type":"{{taskType}}","data":{{dataJson}}}""", Encoding.UTF8, "application/json");
        using var response = await gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("accepted", body.GetProperty("status").GetString());
        var traceparent = Assert.Single(response.Headers.GetValues("traceparent"));
        return new Accepted(body.GetProperty("request_id").GetGuid(), traceparent.Split('-')[1]);
    }

    /// <summary>A POST /tasks of <c>{"task_type": taskType, "data": data}</c>, with an Idempotency-Key when given; the answer as it came.</summary>
    public static async Task<HttpResponseMessage> PostTaskAsync(this HttpClient gateway, string taskType, int data, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
        {
            Content = new StringContent($$"""{"task_type":"{{taskType}}","data":{{data}}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return await gateway.SendAsync(request);
    }

    public static async Task<JsonElement?> FindResultAsync(this HttpClient aggregator, Guid requestId)
    {
        using var response = await aggregator.GetAsync(new Uri($"/results/{requestId}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound
            ? null
            : await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ReadOptions);
    }

    public static async Task<JsonElement[]> ListResultsAsync(this HttpClient aggregator, string query)
    {
        using var response = await aggregator.GetAsync(new Uri($"/results?{query}", UriKind.Relative));
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement[]>(ReadOptions))!;
    }

    /// <summary>The request ids of every stored row of a task type, following the pages' Link headers.</summary>
    public static async Task<List<Guid>> AllRequestIdsAsync(this HttpClient aggregator, string taskType)
    {
        var ids = new List<Guid>();
        for (Uri? page = new($"/results?task_type={taskType}&limit=1000", UriKind.Relative); page is not null;)
        {
            using var response = await aggregator.GetAsync(page);
            var rows = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement[]>(ReadOptions);
            ids.AddRange(rows!.Select(row => row.GetProperty("request_id").GetGuid()));
            page = response.Headers.TryGetValues("Link", out var links)
                && links.Single().Split(';')[0].Trim('<', '>', ' ') is { Length: > 0 } next
                ? new Uri(next, UriKind.Relative)
                : null;
        }

        return ids;
    }

    /// <summary>Waits until every accepted task of a type is stored; then every stored request id of that type (duplicates would show).</summary>
    public static async Task<List<Guid>> WaitUntilStoredAsync(this HttpClient aggregator, string taskType, IEnumerable<Guid> accepted, TimeSpan deadline)
    {
        var expected = accepted.ToHashSet();
        return await Eventually.MatchAsync(
            () => aggregator.AllRequestIdsAsync(taskType),
            ids => expected.IsSubsetOf(ids),
            deadline,
            $"all {expected.Count} accepted '{taskType}' tasks to be stored");
    }

    public static async Task<JsonElement> StatsAsync(this HttpClient aggregator) =>
        await aggregator.GetFromJsonAsync<JsonElement>(new Uri("/stats", UriKind.Relative));

    public static long CountFor(this JsonElement stats, string taskType) =>
        stats.GetProperty("by_task_type").EnumerateArray()
            .Where(row => row.GetProperty("task_type").GetString() == taskType)
            .Select(row => row.GetProperty("count").GetInt64())
            .SingleOrDefault();
}
