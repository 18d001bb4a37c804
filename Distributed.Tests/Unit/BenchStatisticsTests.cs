using Distributed.Bench.Load;
using Distributed.Bench.Reporting;

namespace Distributed.Tests.Unit;

/// <summary>The arithmetic behind every figure in docs/benchmarks.md.</summary>
public sealed class BenchStatisticsTests
{
    [Fact]
    public void Spread_is_the_median_of_the_runs_with_their_range()
    {
        var odd = Spread.Of([30.0, 10.0, 20.0])!;
        Assert.Equal((20.0, 10.0, 30.0, 3), (odd.Median, odd.Min, odd.Max, odd.Runs));

        var even = Spread.Of([4.0, 1.0, 3.0, 2.0])!;
        Assert.Equal(2.5, even.Median);
        Assert.Equal("2.5 (1.0–4.0)", even.Format("F1"));
    }

    [Fact]
    public void Spread_ignores_missing_values_and_has_no_range_for_one_run()
    {
        Assert.Null(Spread.Of([null, double.NaN]));
        Assert.Equal("7", Spread.Of([null, 7.0])!.Format("F0"));
    }

    [Fact]
    public void End_to_end_percentiles_count_only_the_observations_between_two_snapshots()
    {
        // Before: 100 fast observations. Between the snapshots: 10 in (0, 0.1], 80 in (0.1, 0.2], 10 in (0.2, +Inf).
        var before = new MetricsSnapshot(0, new SortedDictionary<double, double> { [0.1] = 100, [0.2] = 100, [double.PositiveInfinity] = 100 });
        var after = new MetricsSnapshot(0, new SortedDictionary<double, double> { [0.1] = 110, [0.2] = 190, [double.PositiveInfinity] = 200 });

        Assert.Equal(0.15, MetricsSnapshot.Percentile(before, after, 50), 6); // rank 50: 40 of the 80 into (0.1, 0.2]
        Assert.Equal(0.05, MetricsSnapshot.Percentile(before, after, 5), 6);
        Assert.Equal(0.2, MetricsSnapshot.Percentile(before, after, 99), 6); // in +Inf: its lower bound, not infinity
        Assert.True(double.IsNaN(MetricsSnapshot.Percentile(after, after, 50)), "no observation between the snapshots");
    }
}
