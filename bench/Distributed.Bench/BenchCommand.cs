using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Distributed.Bench;

public static class BenchCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not "load")
        {
            await Console.Error.WriteLineAsync("usage: distributed-bench load --url URL --rate RPS --duration 30s [--aggregator URL] [--max-in-flight N] [--json FILE]");
            return 2;
        }

        var options = BenchOptions.Parse(args[1..]);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        using var probe = options.Aggregator is null ? null : new PipelineProbe(options.Aggregator);
        var before = probe is null ? null : await probe.SnapshotAsync();

        var result = await new OpenModelLoad(options).RunAsync(cancel.Token);
        Console.Error.WriteLine();

        var report = new JsonObject
        {
            ["summary"] = new JsonObject
            {
                ["requestsPerSec"] = result.Completed / result.Elapsed.TotalSeconds,
                ["acceptedPerSec"] = result.Accepted / result.Elapsed.TotalSeconds,
                ["targetRate"] = options.Rate,
                ["total"] = result.Scheduled,
                ["successRate"] = result.Scheduled == 0 ? 0 : (double)result.Accepted / result.Scheduled,
                ["errors"] = result.Errors,
                ["durationSeconds"] = result.Elapsed.TotalSeconds,
            },
            ["responseTimePercentiles"] = Percentiles(p => result.PercentileMs(p) / 1000.0),
            ["statusCodeDistribution"] = new JsonObject(result.Statuses.OrderBy(s => s.Key)
                .Select(s => KeyValuePair.Create(s.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)s.Value))),
        };

        if (probe is not null && before is not null)
        {
            var (after, drain) = await probe.WaitForStoredAsync(before, result.Accepted, options.DrainDeadline);
            var stored = after.Stored - before.Stored;
            report["endToEnd"] = new JsonObject
            {
                ["stored"] = stored,
                ["storedPerSec"] = stored / (result.Elapsed + drain).TotalSeconds,
                ["drainSeconds"] = drain.TotalSeconds,
                ["latencySeconds"] = Percentiles(p => MetricsSnapshot.Percentile(before, after, p)),
            };
        }

        var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(json);
        if (options.JsonPath is not null)
        {
            await File.WriteAllTextAsync(options.JsonPath, json);
        }

        return 0;
    }

    // Seconds, as the original's scripts read them from oha's JSON.
    private static JsonObject Percentiles(Func<double, double> at) => new()
    {
        ["p50"] = at(50),
        ["p90"] = at(90),
        ["p99"] = at(99),
        ["p99.9"] = at(99.9),
    };
}
