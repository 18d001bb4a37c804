using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Distributed.Tests.Integration;

/// <summary>Every bad input of docs/contract.md gets its status and a problem+json body saying what was wrong.</summary>
[Collection(AppHostCollection.Name)]
public sealed class BadInputTests(AppHostFixture topology)
{
    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    private Task<HttpResponseMessage> PostAsync(HttpContent content) =>
        topology.Gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Non_json_content_type_is_415(string? contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"task_type":"compute","data":1}"""));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await PostAsync(content);
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("{\"task_type\":")]
    [InlineData("nope")]
    [InlineData("")]
    public async Task Malformed_json_is_400(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await PostAsync(content);
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"data":1}""")]
    [InlineData("""{"task_type":7,"data":1}""")]
    [InlineData("""{"task_type":"compute"}""")]
    [InlineData("""{"task_type":"a.b","data":1}""")]
    [InlineData("""{"task_type":"has space","data":1}""")]
    [InlineData("""{"task_type":"tasks.*","data":1}""")]
    [InlineData("""{"task_type":"","data":1}""")]
    [InlineData("""[]""")]
    public async Task Wrong_shape_is_422(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await PostAsync(content);
        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Body_over_one_mebibyte_is_413()
    {
        var padding = new string('x', 1024 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
        {
            Content = new StringContent($$"""{"task_type":"big","data":"{{padding}}"}""", Encoding.UTF8, "application/json"),
        };
        // As a well-behaved client of large uploads does: the gateway refuses from the
        // Content-Length alone, before a byte of the body is sent.
        request.Headers.ExpectContinue = true;
        using var response = await topology.Gateway.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_body_just_under_the_limit_is_accepted()
    {
        var padding = new string('x', 1024 * 1000);
        using var content = new StringContent($$"""{"task_type":"big","data":"{{padding}}"}""", Encoding.UTF8, "application/json");
        using var response = await PostAsync(content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=-1")]
    [InlineData("limit=1001")]
    [InlineData("limit=ten")]
    [InlineData("task_type=a.b")]
    public async Task Bad_results_query_is_400(string query)
    {
        using var response = await topology.Aggregator.GetAsync(new Uri($"/results?{query}", UriKind.Relative));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_result_is_404_and_a_non_uuid_is_400()
    {
        using var missing = await topology.Aggregator.GetAsync(new Uri($"/results/{Guid.NewGuid()}", UriKind.Relative));
        await AssertProblemAsync(missing, HttpStatusCode.NotFound);

        using var malformed = await topology.Aggregator.GetAsync(new Uri("/results/not-a-uuid", UriKind.Relative));
        await AssertProblemAsync(malformed, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Refused_tasks_never_reach_the_results()
    {
        var taskType = "refused" + Guid.NewGuid().ToString("N")[..8];
        using (var content = new StringContent($$"""{"task_type":"{{taskType}}"}""", Encoding.UTF8, "application/json"))
        using (var refused = await PostAsync(content))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        }

        // A task posted after the refused one is stored; by then the refused one would have been too.
        var accepted = await topology.Gateway.SubmitAsync(taskType, "1");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, TimeSpan.FromSeconds(60), "the accepted task");
        Assert.Equal(1, (await topology.Aggregator.StatsAsync()).CountFor(taskType));
    }
}
