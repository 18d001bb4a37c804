using System.Globalization;
using System.Text.Json.Nodes;
using Distributed.Bench.Reporting;

namespace Distributed.Bench.Load;

/// <summary>
/// <c>load</c>: HTTP load on POST /tasks, open model or closed loop; with <c>--aggregator</c>
/// also what reached PostgreSQL (stored/s, backlog, end-to-end latency); with
/// <c>--track-processes true</c> each local part's CPU time and memory.
/// </summary>
public static class LoadCommand
{
    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var options = LoadOptions.From(args);
        var warmUp = args.Duration("warmup", "3s");
        if (warmUp > TimeSpan.Zero)
        {
            // Not recorded: JIT, connection pools and the first pulls of every consumer.
            Console.Error.WriteLine($"warm-up, {warmUp.TotalSeconds:F0} s …");
            await new OpenModelLoad(options with { Duration = warmUp, Rate = Math.Min(options.Rate, 500) }, new LoadRecorder()).RunAsync(cancellationToken);
            Console.Error.WriteLine();
        }

        var aggregator = args.Optional("aggregator") is { } url ? new Uri(url) : null;
        var report = await RunAsync(options, aggregator, args.Text("track-processes", "false") == "true", args.Duration("drain", "120s"), cancellationToken);
        report["label"] = args.Optional("label");
        await JsonReport.WriteAsync(report, args.Optional("json"));
        return 0;
    }

    public static async Task<JsonObject> RunAsync(LoadOptions options, Uri? aggregator, bool trackProcesses, TimeSpan drainDeadline, CancellationToken cancellationToken)
    {
        using var probe = aggregator is null ? null : new PipelineProbe(aggregator);
        var before = probe is null ? null : await probe.SnapshotAsync();
        var recorder = new LoadRecorder();
        using var stopSampling = new CancellationTokenSource();
        var monitor = trackProcesses ? new ProcessMonitor() : null;
        var monitoring = monitor?.RunAsync(stopSampling.Token) ?? Task.CompletedTask;
        var backlog = probe is null ? null : new BacklogSampler(probe, before!, recorder);
        using var stopBacklog = new CancellationTokenSource();
        var sampling = backlog?.RunAsync(stopBacklog.Token) ?? Task.CompletedTask;

        var result = options.ClosedLoop
            ? await new ClosedLoopLoad(options, recorder).RunAsync(cancellationToken)
            : await new OpenModelLoad(options, recorder).RunAsync(cancellationToken);
        await stopBacklog.CancelAsync();
        await sampling;
        Console.Error.WriteLine();

        var report = new JsonObject
        {
            ["summary"] = new JsonObject
            {
                ["requestsPerSec"] = result.Completed / result.Elapsed.TotalSeconds,
                ["acceptedPerSec"] = result.Accepted / result.Elapsed.TotalSeconds,
                ["mode"] = options.ClosedLoop ? "closed-loop" : "open-model",
                ["targetRate"] = options.ClosedLoop ? null : options.Rate,
                ["connections"] = options.Connections,
                ["total"] = result.Scheduled,
                ["successRate"] = result.Scheduled == 0 ? 0 : (double)result.Accepted / result.Scheduled,
                ["errors"] = result.Errors,
                ["durationSeconds"] = result.Elapsed.TotalSeconds,
            },
            ["responseTimePercentiles"] = JsonReport.Percentiles(p => result.PercentileMs(p) / 1000.0),
            ["statusCodeDistribution"] = new JsonObject(result.Statuses.OrderBy(s => s.Key)
                .Select(s => KeyValuePair.Create(s.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)s.Value))),
        };

        double stored = 0;
        if (probe is not null && before is not null)
        {
            var atLoadEnd = await probe.SnapshotAsync();
            var (after, drain) = await probe.WaitForStoredAsync(before, result.Accepted, drainDeadline);
            stored = after.Stored - before.Stored;
            report["endToEnd"] = new JsonObject
            {
                ["stored"] = stored,
                ["lost"] = Math.Max(0, result.Accepted - stored),
                ["storedPerSecDuringLoad"] = (atLoadEnd.Stored - before.Stored) / result.Elapsed.TotalSeconds,
                ["storedPerSec"] = stored / (result.Elapsed + drain).TotalSeconds,
                ["drainSeconds"] = drain.TotalSeconds,
                ["backlogAtLoadEnd"] = result.Accepted - (atLoadEnd.Stored - before.Stored),
                ["backlogGrowthPerSec"] = backlog!.GrowthPerSecond(),
                ["backlog"] = new JsonArray(backlog.Samples.Select(s => (JsonNode)new JsonArray(Math.Round(s.Seconds, 1), s.Backlog)).ToArray()),
                ["latencySeconds"] = JsonReport.Percentiles(p => MetricsSnapshot.Percentile(before, after, p)),
            };
        }

        await stopSampling.CancelAsync();
        await monitoring;
        if (monitor is not null)
        {
            report["processes"] = JsonReport.Processes(monitor.Usage(), stored > 0 ? stored : result.Accepted);
        }

        return report;
    }
}
