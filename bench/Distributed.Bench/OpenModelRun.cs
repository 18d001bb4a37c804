using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Distributed.Load;

namespace Distributed.Bench;

/// <summary>
/// <c>load</c>: the project's one load generator (<see cref="OpenLoad"/>, as the AppHost's
/// "Send load" and the fault tests use it) at a fixed rate, printed as one JSON line. What reached
/// PostgreSQL, and how late, the scripts read from the aggregator and Prometheus.
/// </summary>
public static class OpenModelRun
{
    public static async Task<int> RunAsync(Uri gateway, double rate, TimeSpan duration, int maxInFlight, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxInFlight })
        {
            BaseAddress = gateway,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var latencies = new ConcurrentQueue<TimeSpan>();
        using var load = new OpenLoad(client, new OpenLoadOptions
        {
            TaskType = "bench",
            Rate = rate,
            Count = (long)Math.Round(rate * duration.TotalSeconds),
            MaxInFlight = maxInFlight,
            Data = sequence => $$"""{"seq":{{sequence}},"value":42}""",
        })
        {
            OnAnswer = (status, latency) =>
            {
                if (status != 0)
                {
                    latencies.Enqueue(latency);
                }
            },
        };

        var report = await load.RunAsync(cancellationToken);
        var seconds = load.Elapsed.TotalSeconds;
        var sorted = latencies.Select(l => l.TotalMilliseconds).Order().ToArray();
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["offered_per_s"] = rate,
            ["seconds"] = Math.Round(seconds, 2),
            ["tasks"] = report.Tasks,
            ["accepted"] = report.Accepted.Count,
            ["accepted_per_s"] = Math.Round(report.Accepted.Count / seconds, 1),
            ["skipped"] = report.Skipped,
            ["unknown_outcome"] = report.UnknownOutcome,
            ["statuses"] = report.Statuses.ToDictionary(s => ((int)s.Key).ToString(CultureInfo.InvariantCulture), s => s.Value),
            ["http_ms"] = new Dictionary<string, double>
            {
                ["p50"] = Percentile(sorted, 50),
                ["p90"] = Percentile(sorted, 90),
                ["p99"] = Percentile(sorted, 99),
                ["p99_9"] = Percentile(sorted, 99.9),
                ["max"] = sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 2),
            },
        }));
        return 0;
    }

    /// <summary>Nearest rank of an ascending array, rounded to hundredths of a millisecond.</summary>
    public static double Percentile(double[] ascending, double percentile) =>
        Math.Round(NearestRank.Of(ascending, percentile / 100) ?? 0, 2);
}
