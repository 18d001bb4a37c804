using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Distributed.Contracts;
using NATS.Client.JetStream;

namespace Distributed.Tests.Integration;

/// <summary>The query API as a client pages through it and reads the counts.</summary>
[Collection(AppHostCollection.Name)]
public sealed class QueryApiTests(AppHostFixture topology)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Following_the_next_link_pages_through_every_row_once_newest_first()
    {
        var taskType = "page" + Guid.NewGuid().ToString("N")[..8];
        var accepted = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            accepted.Add((await topology.Gateway.SubmitAsync(taskType, $$"""{"n":{{i}}}""")).RequestId);
        }

        await Eventually.MatchAsync(
            () => topology.Aggregator.StatsAsync(), s => s.CountFor(taskType) == 7, Deadline, "seven results in /stats");

        var pages = await PagesAsync($"/results?task_type={taskType}&limit=3", most: 4);
        var seen = pages.SelectMany(page => JsonSerializer.Deserialize<JsonElement[]>(page)!).ToList();

        // 3 + 3 + 1: a full page links to the next; the last, short page does not.
        Assert.Equal(3, pages.Count);
        Assert.Equal(accepted.Order(), seen.Select(r => r.GetProperty("request_id").GetGuid()).Order());
        var order = seen.Select(r => (r.GetProperty("processed_at").GetDateTimeOffset(), r.GetProperty("id").GetGuid())).ToList();
        Assert.Equal(order.Select(o => o.Item1).OrderDescending(), order.Select(o => o.Item1));
    }

    [Fact]
    public async Task A_page_of_large_rows_stops_at_its_byte_bound_and_links_to_the_rest()
    {
        // Six rows of ~0.9 MiB each: limit=1000 would be 5.4 MiB in one body; the bound is 4 MiB.
        var taskType = "large" + Guid.NewGuid().ToString("N")[..8];
        var filler = new string('x', 900 * 1024);
        var accepted = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            accepted.Add((await topology.Gateway.SubmitAsync(taskType, $$"""{"n":{{i}},"filler":"{{filler}}"}""")).RequestId);
        }

        await Eventually.MatchAsync(
            () => topology.Aggregator.StatsAsync(), s => s.CountFor(taskType) == 6, Deadline, "six large results in /stats");

        var pages = await PagesAsync($"/results?task_type={taskType}&limit=1000", most: 6);

        Assert.All(pages, page => Assert.True(page.Length <= Distributed.Aggregator.Api.ResultQuery.MaxPageBytes + 64 * 1024,
            $"a page of {page.Length} bytes passes the bound of {Distributed.Aggregator.Api.ResultQuery.MaxPageBytes}"));
        Assert.True(pages.Count >= 2, "the rows came in one page");
        var seen = pages.SelectMany(page => JsonSerializer.Deserialize<JsonElement[]>(page)!).Select(r => r.GetProperty("request_id").GetGuid());
        Assert.Equal(accepted.Order(), seen.Order());
    }

    [Fact]
    public async Task A_cursor_that_names_no_row_is_a_client_error()
    {
        using var unknown = await topology.Aggregator.GetAsync(new Uri($"/results?before={Guid.NewGuid()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'before'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var malformed = await topology.Aggregator.GetAsync(new Uri("/results?before=yesterday", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task Stats_count_a_redelivered_result_once()
    {
        var taskType = "count" + Guid.NewGuid().ToString("N")[..8];
        var first = await topology.Gateway.SubmitAsync(taskType, """{"n":1}""");
        var row = await Eventually.MatchAsync(
            () => topology.Aggregator.FindResultAsync(first.RequestId), r => r is not null, Deadline, "the first row");

        // The same result again, as a processor that crashed before its ack would publish it; a new
        // message id gets it past the stream's de-duplication, so only the unique request_id stops it.
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var duplicate = new ResultMessage(first.RequestId, taskType, RawJson.FromText("""{"n":1}"""), null, "a-crashed-processor", DateTimeOffset.UtcNow);
        var ack = await new NatsJSContext(nats).PublishAsync(
            Subjects.Result(taskType), ContractJson.Serialize(duplicate), opts: new NatsJSPubOpts { MsgId = Guid.NewGuid().ToString() });
        ack.EnsureSuccess();

        // The aggregator stores in stream order, so once a later task is stored the duplicate was handled.
        var second = await topology.Gateway.SubmitAsync(taskType, """{"n":2}""");
        await Eventually.MatchAsync(
            () => topology.Aggregator.FindResultAsync(second.RequestId), r => r is not null, Deadline, "the second row");

        var stats = await topology.Aggregator.StatsAsync();
        Assert.Equal(2, stats.CountFor(taskType));
        Assert.Equal(2, (await topology.Aggregator.ListResultsAsync($"task_type={taskType}")).Length);
        Assert.Equal(row!.Value.GetProperty("processor_id").GetString(),
            (await topology.Aggregator.FindResultAsync(first.RequestId))!.Value.GetProperty("processor_id").GetString());
    }

    /// <summary>The target of an RFC 8288 <c>Link</c> header with rel="next".</summary>
    /// <summary>Every page's body, from <paramref name="first"/> along the next links, as a client pages.</summary>
    private async Task<List<byte[]>> PagesAsync(string first, int most)
    {
        var pages = new List<byte[]>();
        for (var next = first; next is not null;)
        {
            using var response = await topology.Aggregator.GetAsync(new Uri(next, UriKind.Relative));
            response.EnsureSuccessStatusCode();
            pages.Add(await response.Content.ReadAsByteArrayAsync());
            next = response.Headers.TryGetValues("Link", out var links) ? NextLink(links.Single()) : null;
            Assert.True(pages.Count <= most, "the pages never end");
        }

        return pages;
    }

    private static string? NextLink(string header)
    {
        var part = header.Split(',').Select(p => p.Trim()).FirstOrDefault(p => p.EndsWith("rel=\"next\"", StringComparison.Ordinal));
        return part is null ? null : part[(part.IndexOf('<', StringComparison.Ordinal) + 1)..part.IndexOf('>', StringComparison.Ordinal)];
    }
}
