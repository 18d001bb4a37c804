using System.Net.Http.Json;
using System.Text.Json;
using Distributed.Tests.Faults;
using Distributed.Tests.Integration;

namespace Distributed.Tests.Tracing;

/// <summary>
/// What the services export, read by an OTLP receiver in the test: one trace per task holding that
/// task's own story (gateway → processor → enricher → processor → aggregator) and nothing else;
/// the aggregator's batch a trace of its own linked to every task it stored; no root trace from
/// the NATS client's idle plumbing.
/// </summary>
[Collection(TracedProcessesCollection.Name)]
public sealed class TraceTests(TracedProcesses topology)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly string[] Stages = ["Gateway", "Processor", "Enricher", "Aggregator"];
    private static readonly string[] ProcessorParts = ["processor-1", "processor-2"];

    [Fact]
    public async Task Each_task_is_one_trace_of_its_own_and_idle_plumbing_starts_no_trace()
    {
        var marker = topology.Traces.Spans.Count;
        var taskType = "traced" + Guid.NewGuid().ToString("N")[..6];
        var tasks = new List<ApiClient.Accepted>();
        for (var i = 0; i < 20; i++)
        {
            tasks.Add(await topology.Gateway.SubmitAsync(taskType, $$"""{"n":{{i}}}"""));
        }

        foreach (var task in tasks)
        {
            await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(task.RequestId), r => r is not null, Deadline, $"task {task.RequestId} stored");
        }

        // Every stage's spans of every task have arrived; then the pipeline idles until the processors'
        // and the aggregator's pulls have each run twice more (every pull is a message their
        // connection sends, counted by nats-server); then one task more, whose spans are exported
        // after anything that plumbing could have started.
        await Eventually.MatchAsync(
            () => Task.FromResult(string.Join("; ", tasks
                .Select(task => (task.TraceId, Missing: Stages.Where(stage => !SpansOf(task.TraceId).Any(s => s.Service.Contains(stage, StringComparison.Ordinal))).ToList()))
                .Where(task => task.Missing.Count > 0)
                .Select(task => $"{task.TraceId} lacks {string.Join(", ", task.Missing)}"))),
            incomplete => incomplete.Length == 0,
            Deadline,
            "spans of all four services in every task's trace (last seen: the traces still incomplete)").ContinueWith(async wait =>
            {
                if (wait.IsFaulted)
                {
                    var processedBy = new List<string>();
                    foreach (var task in tasks)
                    {
                        var row = await topology.Aggregator.FindResultAsync(task.RequestId);
                        processedBy.Add($"{task.TraceId[..8]}:{row?.GetProperty("processor_id").GetString()}:{(SpansOf(task.TraceId).Any(s => s.Service.Contains("Processor", StringComparison.Ordinal)) ? "spans" : "none")}");
                    }

                    var logs = string.Join("\n", ProcessorParts.Select(p => p + ": " + string.Join("\n", topology[p].ReadLog().Split('\n').Where(l => l.Contains("xport", StringComparison.Ordinal) || l.Contains("OpenTelemetry", StringComparison.Ordinal) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).TakeLast(10))));
                    throw new Xunit.Sdk.XunitException($"{wait.Exception!.InnerException!.Message}\nprocessed by: {string.Join(" ", processedBy)}\n{logs}");
                }
            }).Unwrap();
        var sentBefore = await MessagesSentToNatsAsync();
        await Eventually.MatchAsync(MessagesSentToNatsAsync,
            sent => sent.Count == sentBefore.Count && sent.All(connection => connection.Value >= sentBefore[connection.Key] + 2),
            Deadline, "two more pulls by each consumer while idle");
        var last = await topology.Gateway.SubmitAsync(taskType, "\"last\"");
        await Eventually.MatchAsync(
            () => Task.FromResult(string.Join(", ", Stages.Where(stage => !SpansOf(last.TraceId).Any(s => s.Service.Contains(stage, StringComparison.Ordinal)))
                .Concat(SpansOf(last.TraceId).Any(s => s.Name == "stored result") ? [] : ["the stored result"]))),
            missing => missing.Length == 0, Deadline, "the last task's whole trace (last seen: what it still lacked)");
        tasks.Add(last);

        var received = topology.Traces.Spans.Skip(marker).ToList();
        var roots = received.Where(s => s.IsRoot).ToList();
        // Traces start where a client asked something (an HTTP request) or where a batch was stored;
        // never in the NATS client's or the database driver's own plumbing.
        Assert.True(roots.Count >= tasks.Count, $"only {roots.Count} root spans received");
        Assert.All(roots, root => Assert.True(
            root.Scope is "Microsoft.AspNetCore" || (root.Scope == "Distributed.Pipeline" && root.Name == "process results.*"),
            $"{root.Service} started a trace of its own: {root.Scope} {root.Name}"));
        // A span whose parent was dropped shows as a root of its own in the dashboard: there are none,
        // once each service's exporter has sent what it holds (a parent may come a batch later).
        await Eventually.MatchAsync(
            () =>
            {
                var known = topology.Traces.Spans.Select(s => s.SpanId).ToHashSet();
                var orphans = received.Where(s => !s.IsRoot && !known.Contains(s.ParentSpanId)).Select(o => $"{o.Service} {o.Scope} {o.Name}").Take(5);
                return Task.FromResult(string.Join(", ", orphans));
            },
            orphans => orphans.Length == 0, TimeSpan.FromSeconds(15), "no span whose parent was never exported (last seen: the orphans)");
        Assert.Equal(tasks.Select(t => t.TraceId).ToHashSet(), roots.Where(r => r.Name == "POST /tasks" && tasks.Any(t => t.TraceId == r.TraceId)).Select(r => r.TraceId).ToHashSet());

        foreach (var task in tasks)
        {
            var trace = SpansOf(task.TraceId);
            // Nothing in the trace belongs to another task.
            var requestIds = trace.Select(s => s.Attributes.GetValueOrDefault("task.request_id")).OfType<string>().Distinct().ToList();
            Assert.Equal([task.RequestId.ToString()], requestIds);
            Assert.Contains(trace, s => s.Name == "stored result" && s.Service.Contains("Aggregator", StringComparison.Ordinal));
            // Each hop nests under the span that sent its message, so the waterfall reads as the task travelled.
            var process = ChildOf(trace, ChildOf(trace, Single(trace, "POST /tasks", "Gateway"), "publish tasks.*", "Gateway"), "process tasks.*", "Processor");
            ChildOf(trace, ChildOf(trace, process, "request enrich.request", "Processor"), "process enrich.request", "Enricher");
            ChildOf(trace, process, "publish results.*", "Processor");
            // The aggregator's batch work (the insert, the acks of every result in it) is the batch's trace, not this one.
            Assert.DoesNotContain(trace, s => s.Service.Contains("Aggregator", StringComparison.Ordinal)
                && (s.Name.Contains("$JS.ACK", StringComparison.Ordinal) || s.Scope == "Npgsql"));
        }

        // The batches that stored them link to every task's trace.
        var linked = received.Where(s => s.Name == "process results.*").SelectMany(s => s.Links).Select(l => l.TraceId).ToHashSet();
        Assert.Superset(tasks.Select(t => t.TraceId).ToHashSet(), linked);
    }

    private static ReceivedSpan Single(List<ReceivedSpan> trace, string name, string service) =>
        Assert.Single(trace, s => s.Name == name && s.Service.Contains(service, StringComparison.Ordinal));

    private static ReceivedSpan ChildOf(List<ReceivedSpan> trace, ReceivedSpan parent, string name, string service)
    {
        var child = Single(trace, name, service);
        Assert.True(child.ParentSpanId == parent.SpanId, $"{service}'s '{name}' is not under {parent.Service}'s '{parent.Name}'");
        return child;
    }

    /// <summary>How many messages each consumer's connection (the processors', the aggregator's) has sent to nats-server.</summary>
    private async Task<Dictionary<long, long>> MessagesSentToNatsAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var connz = await client.GetFromJsonAsync<JsonElement>(new Uri(topology.NatsMonitor, "/connz?limit=1000"));
        return connz.GetProperty("connections").EnumerateArray()
            .Where(connection => connection.TryGetProperty("name", out var name) && name.GetString() is "Distributed.Processor" or "Distributed.Aggregator")
            .ToDictionary(connection => connection.GetProperty("cid").GetInt64(), connection => connection.GetProperty("in_msgs").GetInt64());
    }

    private List<ReceivedSpan> SpansOf(string traceId) => [.. topology.Traces.Spans.Where(s => s.TraceId == traceId)];
}
