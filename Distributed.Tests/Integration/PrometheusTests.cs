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

        // What Prometheus has scraped from all targets (every replica), not what one replica shows;
        // on the deadline the failure lists the dashboard's metrics that are still missing.
        await Eventually.MatchAsync(
            async () =>
            {
                var scraped = (await _prometheus.GetAsync("/api/v1/label/__name__/values"))
                    .GetProperty("data").EnumerateArray().Select(n => n.GetString()!).ToHashSet(StringComparer.Ordinal);
                return string.Join(", ", names.Where(name => !scraped.Contains(name)).Order(StringComparer.Ordinal));
            },
            missing => missing.Length == 0,
            TimeSpan.FromSeconds(60),
            "every metric the dashboard queries to be scraped (last seen: the ones missing)");
    }

    public void Dispose() => _prometheus.Dispose();

    // A metric name is whatever stands right before a label selector.
    [GeneratedRegex(@"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")]
    private static partial Regex MetricSelector();
}
