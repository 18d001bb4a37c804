using NATS.Client.JetStream;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Distributed.Tests.Integration;

/// <summary>The AppHost's Prometheus scrapes every replica, and the Grafana dashboard asks only for metrics that exist.</summary>
[Collection(AppHostCollection.Name)]
public sealed partial class PrometheusTests(AppHostFixture topology) : IDisposable
{
    private static readonly string[] Services = ["gateway", "aggregator", "processor", "enricher"];
    private readonly PrometheusClient _prometheus = new();

    [Fact]
    public async Task Every_replica_is_an_up_target_labelled_with_its_app()
    {
        var targets = await Eventually.MatchAsync(
            async () => (await _prometheus.GetAsync("/api/v1/targets?state=active"))
                .GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Select(t => (App: t.GetProperty("labels").GetProperty("app").GetString(), Health: t.GetProperty("health").GetString(), Url: t.GetProperty("scrapeUrl").GetString()))
                .ToList(),
            list => list.Count == 5 && list.All(t => t.Health == "up"),
            TimeSpan.FromSeconds(90),
            "five targets up (gateway, aggregator, enricher, two processors)");

        Assert.Equal(2, targets.Count(t => t.App == "processor"));
        Assert.Equal(2, targets.Where(t => t.App == "processor").Select(t => t.Url).Distinct().Count());
        Assert.All(Services, service => Assert.Contains(targets, t => t.App == service));
    }

    [Fact]
    public async Task Request_rate_is_visible_in_prometheus_after_some_tasks()
    {
        // A steady trickle: a rate needs the counter to rise between two scrapes. Fails on the deadline.
        await Eventually.MatchAsync(
            async () =>
            {
                await topology.Gateway.SubmitAsync("prom", "1");
                return await _prometheus.ScalarAsync("sum(rate(http_requests_total{app=\"gateway\",path=\"/tasks\"}[1m]))");
            },
            value => value > 0,
            TimeSpan.FromSeconds(90),
            "a non-zero gateway request rate");
    }

    [Fact]
    public async Task Every_metric_the_dashboard_queries_is_exposed_by_a_service()
    {
        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Faults.RepositoryPaths.Root, "deploy", "grafana", "dashboards", "distributed.json")));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!)
            .ToList();
        var names = expressions.SelectMany(e => MetricSelector().Matches(e).Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.True(names.Count >= 10, $"only {names.Count} metric names found in the dashboard");

        // Traffic through every stage, so that every series has a sample.
        var accepted = await topology.Gateway.SubmitAsync("dashboard", "{}");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, TimeSpan.FromSeconds(60), "a stored result");

        await WaitUntilScrapedAsync(names, "the dashboard queries");
    }

    [Fact]
    public async Task Every_alert_rule_is_loaded_and_every_metric_the_rules_query_is_scraped()
    {
        var rules = await File.ReadAllTextAsync(Path.Combine(Faults.RepositoryPaths.Root, "deploy", "prometheus", "alerts.yml"));
        var alerts = AlertName().Matches(rules).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.True(alerts.Count >= 8, $"only {alerts.Count} alerts found in alerts.yml");
        var loaded = await Eventually.MatchAsync(
            async () => (await _prometheus.GetAsync("/api/v1/rules?type=alert")).GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(group => group.GetProperty("rules").EnumerateArray()).Select(rule => rule.GetProperty("name").GetString()!).ToHashSet(),
            names => names.Count > 0, TimeSpan.FromSeconds(30), "the alerting rules to be loaded");
        Assert.Equal(alerts.Order(StringComparer.Ordinal), loaded.Order(StringComparer.Ordinal));

        // Metric names in the expressions: recorded series (with a colon) and the functions around them aside.
        var names = QueriedMetric().Matches(rules).Select(m => m.Groups[1].Value).Where(name => !name.Contains(':', StringComparison.Ordinal)).ToHashSet();
        Assert.True(names.Count >= 8, $"only {names.Count} metric names found in alerts.yml");
        var accepted = await topology.Gateway.SubmitAsync("alerting", "{}");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, TimeSpan.FromSeconds(60), "a stored result");
        await WaitUntilScrapedAsync(names, "the alert rules query");
    }

    [Fact]
    public async Task A_dead_letter_fires_the_MessagesDeadLettered_alert()
    {
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var ack = await new NatsJSContext(nats).PublishAsync("tasks.alerting", "{not json"u8.ToArray());
        ack.EnsureSuccess();

        var alert = await Eventually.MatchAsync(
            async () => (await _prometheus.GetAsync("/api/v1/alerts")).GetProperty("data").GetProperty("alerts").EnumerateArray()
                .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "MessagesDeadLettered"
                    && a.GetProperty("labels").GetProperty("stage").GetString() == "processor"
                    && a.GetProperty("state").GetString() == "firing")
                .Select(a => a.GetProperty("annotations").GetProperty("summary").GetString())
                .FirstOrDefault(),
            summary => summary is not null,
            TimeSpan.FromSeconds(60),
            "MessagesDeadLettered firing for the processor");
        Assert.Contains("deadletter.processor", alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_keeps_the_trace_id_of_a_task_in_the_end_to_end_latency_it_scraped()
    {
        var since = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        var tasks = new List<ApiClient.Accepted>();
        for (var i = 0; i < 5; i++)
        {
            tasks.Add(await topology.Gateway.SubmitAsync("exemplar", $$"""{"n":{{i}}}"""));
        }

        var ours = tasks.Select(task => task.TraceId).ToHashSet();
        // A latency point on a chart (Prometheus's, Grafana's) leads to this trace id in the dashboard's Traces.
        var traceId = await Eventually.MatchAsync(
            async () => (await _prometheus.GetAsync($"/api/v1/query_exemplars?query=task_end_to_end_seconds_bucket&start={since}&end={DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds()}"))
                .GetProperty("data").EnumerateArray()
                .SelectMany(series => series.GetProperty("exemplars").EnumerateArray())
                .Select(exemplar => exemplar.GetProperty("labels").TryGetProperty("trace_id", out var id) ? id.GetString() : null)
                .FirstOrDefault(id => id is not null && ours.Contains(id)),
            id => id is not null,
            TimeSpan.FromSeconds(60),
            "an exemplar of task_end_to_end_seconds carrying one of our tasks' trace ids");
        Assert.Contains(traceId!, ours);
    }

    /// <summary>
    /// Waits until Prometheus has scraped every one of <paramref name="names"/> from some target (any
    /// replica), not what one replica shows; on the deadline the failure lists the ones still missing.
    /// </summary>
    private async Task WaitUntilScrapedAsync(IReadOnlySet<string> names, string whose) =>
        await Eventually.MatchAsync(
            async () =>
            {
                var scraped = (await _prometheus.GetAsync("/api/v1/label/__name__/values"))
                    .GetProperty("data").EnumerateArray().Select(n => n.GetString()!).ToHashSet(StringComparer.Ordinal);
                return string.Join(", ", names.Where(name => !scraped.Contains(name)).Order(StringComparer.Ordinal));
            },
            missing => missing.Length == 0,
            TimeSpan.FromSeconds(60),
            $"every metric {whose} to be scraped (last seen: the ones missing)");

    public void Dispose() => _prometheus.Dispose();

    // A metric name is whatever stands right before a label selector.
    [GeneratedRegex(@"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")]
    private static partial Regex MetricSelector();

    [GeneratedRegex(@"- alert: (\w+)")]
    private static partial Regex AlertName();

    // In the rules a metric stands before a selector, a range or the parenthesis of an aggregation.
    [GeneratedRegex(@"\b([a-z]+_[a-z0-9_:]+)\s*[\{\[)]")]
    private static partial Regex QueriedMetric();
}
