using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Distributed.AppHost.Experiments;
using Distributed.Contracts;
using Distributed.Tests.Faults;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Xunit.Abstractions;
using Distributed.Load;

namespace Distributed.Tests.Integration;

/// <summary>
/// The pipeline on a three-node NATS cluster with streams kept on all three: losing the node that
/// leads a stream costs a short 503 window at most, never an accepted task; and every stage
/// scales out.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NatsClusterTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(2);
    private static readonly string ReportFile = Path.Combine(RepositoryPaths.Root, "TestResults", "nats-cluster.md");

    private ResourceCommandService Commands => cluster.App.Services.GetRequiredService<ResourceCommandService>();

    [Fact]
    public async Task Killing_the_leader_of_each_stream_in_turn_loses_and_duplicates_no_accepted_task()
    {
        await using var nats = NatsTestClient.Connect(await cluster.NatsUrlAsync());
        var jetStream = new NatsJSContext(nats);
        var taskType = "leaderloss" + Guid.NewGuid().ToString("N")[..6];
        using var load = new OpenLoad(cluster.Gateway, new OpenLoadOptions { TaskType = taskType, Rate = 50, MaxInFlight = 64 });
        var kills = new List<(string Stream, string Node, TimeSpan KilledAt, TimeSpan LeaderAt, TimeSpan RecoveredAt)>();

        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        foreach (var stream in new[] { JetStreamNames.TasksStream, JetStreamNames.ResultsStream })
        {
            var before = await ClusterOfAsync(jetStream, stream, info => info.Leader is not null && info.Replicas?.Count == 2 && info.Replicas.All(r => r.Current));
            var leader = before.Leader!;
            Assert.Contains(leader, ClusterFixture.Nodes);

            var killedAt = load.Elapsed;
            var killed = await Commands.ExecuteCommandAsync(leader, NatsNodeCommands.KillNode);
            Assert.True(killed.Success, killed.Message);
            await ClusterOfAsync(jetStream, stream, info => info.Leader is not null && info.Leader != leader);
            var leaderAt = load.Elapsed;

            await Task.Delay(Outage);
            var started = await Commands.ExecuteCommandAsync(leader, KnownResourceCommands.StartCommand);
            Assert.True(started.Success, started.Message);

            // Recovered: the node is back among the stream's replicas and has caught up.
            await ClusterOfAsync(jetStream, stream, info => info.Replicas?.Count == 2 && info.Replicas.All(r => r.Current && !r.Offline));
            kills.Add((stream, leader, killedAt, leaderAt, load.Elapsed));
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var report = await load.StopAsync();

        Assert.Equal(0, report.UnknownOutcome);
        Assert.All(report.Statuses.Keys, status => Assert.Contains(status, new[] { HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable }));
        Assert.Equal(0, report.RetryAfterMissing);
        // The load really ran through it: tasks were taken before the first kill and after the last recovery.
        Assert.Contains(report.Answers, answer => answer.Status == HttpStatusCode.Accepted && answer.At < kills[0].KilledAt);
        Assert.Contains(report.Answers, answer => answer.Status == HttpStatusCode.Accepted && answer.At > kills[^1].RecoveredAt);

        await Eventually.MatchAsync(
            async () => (await cluster.Aggregator.StatsAsync()).CountFor(taskType), count => count >= report.Accepted.Count, Deadline,
            $"all {report.Accepted.Count} accepted tasks stored");
        foreach (var id in report.Accepted)
        {
            Assert.NotNull(await cluster.Aggregator.FindResultAsync(id));
        }

        // Each task is one row (request_id is unique). Beyond the accepted ones, only tasks answered 503
        // may be there: a publish whose ack was lost in the leader change, which the contract allows
        // (a client retrying with its Idempotency-Key gets it stored once).
        var stored = (await cluster.Aggregator.StatsAsync()).CountFor(taskType);
        Assert.InRange(stored, report.Accepted.Count, report.Accepted.Count + report.Count(HttpStatusCode.ServiceUnavailable));

        Record(report, kills, stored - report.Accepted.Count);
    }

    [Fact]
    public async Task Two_aggregators_and_two_enrichers_share_the_work_and_store_each_task_once()
    {
        var taskType = "scaledout" + Guid.NewGuid().ToString("N")[..6];
        var accepted = new List<Guid>();
        using var prometheus = new PrometheusClient(ClusterFixture.PrometheusPortOfCluster);
        // A burst can land whole in one replica's open pull request (JetStream fills the oldest
        // request first), so tasks keep coming, a wave at a time, until both replicas have stored
        // some of them: each one's counter, as Prometheus scraped it, beyond where it stood before.
        var before = await StoredByReplicaAsync(prometheus);
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            while ((await StoredByReplicaAsync(prometheus)).Count(replica => replica.Value > before.GetValueOrDefault(replica.Key)) < 2)
            {
                Assert.False(deadline.IsCancellationRequested, $"only one aggregator replica stored any of {accepted.Count} tasks");
                for (var i = 0; i < 100; i++)
                {
                    accepted.Add((await cluster.Gateway.SubmitAsync(taskType, accepted.Count.ToString(CultureInfo.InvariantCulture))).RequestId);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }

        await Eventually.MatchAsync(
            async () => (await cluster.Aggregator.StatsAsync()).CountFor(taskType), count => count >= accepted.Count, Deadline, "every task stored");
        Assert.Equal(accepted.Count, (await cluster.Aggregator.StatsAsync()).CountFor(taskType));

        // Both enricher replicas answered requests: the micro-service's own statistics, per instance.
        await using var nats = NatsTestClient.Connect(await cluster.NatsUrlAsync());
        var served = new List<long>();
        await foreach (var reply in nats.RequestManyAsync<byte[], byte[]>(
            "$SRV.STATS." + JetStreamNames.EnricherServiceName, [], replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(2), MaxMsgs = 2 }))
        {
            using var stats = JsonDocument.Parse(reply.Data!);
            served.Add(stats.RootElement.GetProperty("endpoints").EnumerateArray().Sum(e => e.GetProperty("num_requests").GetInt64()));
        }

        Assert.Equal(2, served.Count);
        Assert.All(served, requests => Assert.True(requests > 0, $"an enricher answered no request: {string.Join(", ", served)}"));

    }

    /// <summary>Results each aggregator replica has stored, by its scrape target.</summary>
    private static async Task<Dictionary<string, double>> StoredByReplicaAsync(PrometheusClient prometheus)
    {
        var answer = await prometheus.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString("results_stored_total{app=\"aggregator\"}"));
        return answer.GetProperty("data").GetProperty("result").EnumerateArray().ToDictionary(
            series => series.GetProperty("metric").GetProperty("instance").GetString()!,
            series => double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
    }

    /// <summary>The stream's cluster as JetStream reports it, once it meets <paramref name="condition"/>.</summary>
    private static async Task<ClusterInfo> ClusterOfAsync(NatsJSContext jetStream, string stream, Func<ClusterInfo, bool> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            try
            {
                var info = (await jetStream.GetStreamAsync(stream, cancellationToken: deadline.Token)).Info.Cluster;
                if (info is not null && condition(info))
                {
                    return info;
                }
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException && !deadline.IsCancellationRequested)
            {
                // A leader election in progress: JetStream answers again in a moment.
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    private void Record(LoadReport report, List<(string Stream, string Node, TimeSpan KilledAt, TimeSpan LeaderAt, TimeSpan RecoveredAt)> kills, long refusedYetStored)
    {
        var lines = new StringBuilder()
            .AppendLine("# NATS cluster: the stream leader killed (written by NatsClusterTests)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"3 nodes, streams R3, 50 tasks/s offered; {report.Accepted.Count} accepted, {report.Count(HttpStatusCode.ServiceUnavailable)} refused with 503 + Retry-After; every accepted task stored once, and {refusedYetStored} of the refused ones stored too (their ack was lost in the leader change).")
            .AppendLine()
            .AppendLine("| stream | node killed (its leader) | new leader after | longest 503 window | back to 3 current replicas after |")
            .AppendLine("|---|---|---:|---:|---:|");
        foreach (var kill in kills)
        {
            var window = report.LongestUnavailableWindow(kill.KilledAt, kill.RecoveredAt);
            lines.AppendLine(CultureInfo.InvariantCulture,
                $"| {kill.Stream} | {kill.Node} | {(kill.LeaderAt - kill.KilledAt).TotalSeconds:F1} s | {window.TotalSeconds:F1} s | {(kill.RecoveredAt - kill.KilledAt).TotalSeconds:F1} s (incl. {Outage.TotalSeconds:F0} s down) |");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(ReportFile)!);
        File.WriteAllText(ReportFile, lines.ToString());
        output.WriteLine(lines.ToString());
    }
}
