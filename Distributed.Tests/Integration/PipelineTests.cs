using System.Text.Json;

namespace Distributed.Tests.Integration;

[Collection(AppHostCollection.Name)]
public sealed class PipelineTests(AppHostFixture topology)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_posted_task_is_stored_with_its_payload_enrichment_processor_and_trace()
    {
        var taskType = "compute" + Guid.NewGuid().ToString("N")[..8];
        var accepted = await topology.Gateway.SubmitAsync(taskType, """{"value":42}""");

        var row = await Eventually.MatchAsync(
            () => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, Deadline, "the result row");
        var result = row!.Value;

        Assert.Equal(accepted.RequestId, result.GetProperty("request_id").GetGuid());
        Assert.Equal(taskType, result.GetProperty("task_type").GetString());
        Assert.Equal(42, result.GetProperty("payload").GetProperty("value").GetInt32());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("processor_id").GetString()));
        Assert.True(Guid.TryParse(result.GetProperty("id").GetString(), out _));

        var enrichment = result.GetProperty("enrichment");
        Assert.Equal(JsonValueKind.Object, enrichment.ValueKind);
        Assert.Equal(accepted.RequestId, enrichment.GetProperty("request_id").GetGuid());
        var tags = enrichment.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains($"type:{taskType}", tags);
        Assert.Contains("source:enricher", tags);
        var expected = Enricher.EnrichmentFormula.Enrich(accepted.RequestId, taskType, DateTimeOffset.UtcNow);
        Assert.Equal(expected.Geo.Lat, enrichment.GetProperty("geo").GetProperty("lat").GetDouble(), 9);
        Assert.Equal(expected.Geo.Lon, enrichment.GetProperty("geo").GetProperty("lon").GetDouble(), 9);

        // The trace the gateway started is the one the stored row points to.
        Assert.Equal(accepted.TraceId, result.GetProperty("trace_id").GetString());
    }

    [Fact]
    public async Task Results_list_and_stats_agree_with_what_was_posted()
    {
        var taskType = "list" + Guid.NewGuid().ToString("N")[..8];
        var accepted = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            accepted.Add((await topology.Gateway.SubmitAsync(taskType, $$"""{"n":{{i}}}""")).RequestId);
        }

        var stats = await Eventually.MatchAsync(
            () => topology.Aggregator.StatsAsync(), s => s.CountFor(taskType) == 5, Deadline, "five results in /stats");

        var rows = await topology.Aggregator.ListResultsAsync($"task_type={taskType}&limit=10");
        Assert.Equal(accepted.Order(), rows.Select(r => r.GetProperty("request_id").GetGuid()).Order());
        var processedAt = rows.Select(r => r.GetProperty("processed_at").GetDateTimeOffset()).ToList();
        Assert.Equal(processedAt.OrderDescending(), processedAt);

        var limited = await topology.Aggregator.ListResultsAsync($"task_type={taskType}&limit=2");
        Assert.Equal(rows.Take(2).Select(r => r.GetProperty("id").GetGuid()), limited.Select(r => r.GetProperty("id").GetGuid()));

        var total = stats.GetProperty("total_results").GetInt64();
        var byType = stats.GetProperty("by_task_type").EnumerateArray().Select(r => r.GetProperty("count").GetInt64()).ToList();
        Assert.Equal(total, byType.Sum());
        Assert.Equal(byType.OrderDescending(), byType);

        foreach (var id in accepted)
        {
            var single = await topology.Aggregator.FindResultAsync(id);
            Assert.Equal(id, single!.Value.GetProperty("request_id").GetGuid());
        }
    }

    [Fact]
    public async Task Two_processor_replicas_share_the_work_and_store_each_task_once()
    {
        var taskType = "scale" + Guid.NewGuid().ToString("N")[..8];
        const int count = 80;
        var submissions = Enumerable.Range(0, count).Select(i => topology.Gateway.SubmitAsync(taskType, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var accepted = await Task.WhenAll(submissions);

        await Eventually.MatchAsync(
            () => topology.Aggregator.StatsAsync(), s => s.CountFor(taskType) >= count, Deadline, $"{count} results");

        var rows = await topology.Aggregator.ListResultsAsync($"task_type={taskType}&limit=1000");
        Assert.Equal(count, rows.Length);
        Assert.Equal(accepted.Select(a => a.RequestId).Order(), rows.Select(r => r.GetProperty("request_id").GetGuid()).Order());
        var processors = rows.Select(r => r.GetProperty("processor_id").GetString()).Distinct().ToList();
        Assert.Equal(2, processors.Count);
    }
}
