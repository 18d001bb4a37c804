using System.Globalization;

namespace Distributed.Bench.Load;

/// <summary>
/// What reached PostgreSQL: the aggregator's own counters and its end-to-end histogram
/// (<c>task_end_to_end_seconds</c>, accepted → stored), read from /metrics before and after.
/// </summary>
public sealed class PipelineProbe(Uri aggregator) : IDisposable
{
    private readonly HttpClient _client = new() { BaseAddress = aggregator, Timeout = TimeSpan.FromSeconds(10) };

    public async Task<MetricsSnapshot> SnapshotAsync()
    {
        var text = await _client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        double stored = 0;
        var buckets = new SortedDictionary<double, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("results_stored_total", StringComparison.Ordinal))
            {
                stored += Value(line);
            }
            else if (line.StartsWith("task_end_to_end_seconds_bucket", StringComparison.Ordinal))
            {
                var le = line[(line.IndexOf("le=\"", StringComparison.Ordinal) + 4)..];
                le = le[..le.IndexOf('"', StringComparison.Ordinal)];
                var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                buckets[bound] = buckets.GetValueOrDefault(bound) + Value(line);
            }
        }

        return new MetricsSnapshot(stored, buckets);
    }

    /// <summary>Waits until the aggregator has stored <paramref name="expected"/> more rows than at <paramref name="before"/>.</summary>
    public async Task<(MetricsSnapshot After, TimeSpan Drain)> WaitForStoredAsync(MetricsSnapshot before, long expected, TimeSpan deadline)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var now = await SnapshotAsync();
            if (now.Stored - before.Stored >= expected || DateTime.UtcNow - started > deadline)
            {
                return (now, DateTime.UtcNow - started);
            }

            await Task.Delay(200);
        }
    }

    public void Dispose() => _client.Dispose();

    private static double Value(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
}

public sealed record MetricsSnapshot(double Stored, SortedDictionary<double, double> CumulativeBuckets)
{
    /// <summary>A percentile of the observations between two snapshots, interpolated within its bucket.</summary>
    public static double Percentile(MetricsSnapshot before, MetricsSnapshot after, double percentile)
    {
        var deltas = after.CumulativeBuckets.Select(b => (Bound: b.Key, Count: b.Value - before.CumulativeBuckets.GetValueOrDefault(b.Key))).ToList();
        var total = deltas.LastOrDefault().Count;
        if (total <= 0)
        {
            return double.NaN;
        }

        var rank = percentile / 100 * total;
        double lowerBound = 0, lowerCount = 0;
        foreach (var (bound, count) in deltas)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lowerBound;
                }

                var share = count == lowerCount ? 0 : (rank - lowerCount) / (count - lowerCount);
                return lowerBound + share * (bound - lowerBound);
            }

            (lowerBound, lowerCount) = (bound, count);
        }

        return lowerBound;
    }
}
