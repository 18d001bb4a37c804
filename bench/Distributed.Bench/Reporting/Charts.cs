using System.Globalization;
using ScottPlot;

namespace Distributed.Bench.Reporting;

/// <summary>The two charts of docs/benchmarks.md, rendered to PNG: medians with min–max bars.</summary>
public sealed class Charts(ResultSet results)
{
    public IReadOnlyList<string> Render(string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        if (ThroughputVsReplicas(Path.Combine(directory, "benchmarks-scaling.png")) is { } scaling)
        {
            written.Add(scaling);
        }

        if (LatencyVsRate(Path.Combine(directory, "benchmarks-latency.png")) is { } latency)
        {
            written.Add(latency);
        }

        return written;
    }

    private string? ThroughputVsReplicas(string path)
    {
        var groups = results.Groups("scaling");
        if (groups.Count == 0)
        {
            return null;
        }

        var replicas = groups.Select(g => double.Parse(g.Key, CultureInfo.InvariantCulture)).ToArray();
        var stored = groups.Select(g => g.Runs.Spread("endToEnd.storedPerSecDuringLoad")!).ToArray();
        var plot = new Plot();
        var ideal = plot.Add.Scatter(replicas, replicas.Select(n => n * stored[0].Median).ToArray());
        ideal.LegendText = "linear in replicas (from one replica)";
        ideal.Color = new Color("#7f7f7f");
        ideal.LinePattern = LinePattern.Dashed;
        ideal.MarkerSize = 0;
        var measured = plot.Add.Scatter(replicas, stored.Select(s => s.Median).ToArray());
        measured.Color = new Color("#1f77b4");
        measured.LegendText = "stored tasks/s (median, bars: min–max)";
        measured.LineWidth = 2;
        measured.MarkerSize = 8;
        for (var i = 0; i < replicas.Length; i++)
        {
            AddRangeBar(plot, replicas[i], stored[i].Min, stored[i].Max, measured.LineColor);
        }

        var offered = groups[0].Runs[0].Number("summary.targetRate") ?? 0;
        var line = plot.Add.HorizontalLine(offered);
        line.LegendText = $"offered rate ({offered:F0}/s)";
        line.LinePattern = LinePattern.Dotted;
        line.Color = new Color("#ff7f0e");
        plot.Axes.Bottom.SetTicks(replicas, replicas.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimits(0, replicas.Max() + 0.5, 0, Math.Max(offered, replicas.Max() * stored[0].Median) * 1.1);
        plot.Title("Throughput vs processor replicas (2 cores, default delays)");
        plot.XLabel("processor replicas");
        plot.YLabel("tasks stored per second");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
        return path;
    }

    private string? LatencyVsRate(string path)
    {
        var groups = results.Groups("baseline");
        if (groups.Count == 0)
        {
            return null;
        }

        var positions = Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray();
        var plot = new Plot();
        var seriesIndex = 0;
        foreach (var (label, metric, color) in new[]
        {
            ("HTTP answer p50", "responseTimePercentiles.p50", new Color("#1f77b4")),
            ("HTTP answer p99", "responseTimePercentiles.p99", new Color("#d62728")),
            ("end-to-end p50", "endToEnd.latencySeconds.p50", new Color("#2ca02c")),
            ("end-to-end p99", "endToEnd.latencySeconds.p99", new Color("#9467bd")),
        })
        {
            // Milliseconds on a log10 axis: the spread from 1 ms to seconds is the point of the chart.
            // Each series sits a little apart so that its min–max bars do not hide the others'.
            var offset = (seriesIndex++ - 1.5) * 0.06;
            var xs = positions.Select(x => x + offset).ToArray();
            var spreads = groups.Select(g => g.Runs.Spread(metric, 1000)).ToArray();
            var series = plot.Add.Scatter(xs, spreads.Select(s => Math.Log10(Math.Max(0.1, s?.Median ?? 0.1))).ToArray());
            series.LegendText = label;
            series.Color = color;
            series.LineWidth = 2;
            series.MarkerSize = 7;
            if (metric.StartsWith("endToEnd", StringComparison.Ordinal))
            {
                series.LinePattern = LinePattern.Dashed;
            }

            for (var i = 0; i < xs.Length; i++)
            {
                if (spreads[i] is { } s)
                {
                    AddRangeBar(plot, xs[i], Math.Log10(Math.Max(0.1, s.Min)), Math.Log10(Math.Max(0.1, s.Max)), color);
                }
            }
        }

        var floor = plot.Add.HorizontalLine(Math.Log10(60));
        floor.LegendText = "60 ms: the simulated work's floor";
        floor.LinePattern = LinePattern.Dotted;
        floor.Color = new Color("#ff7f0e");
        var decades = new[] { 0.0, 1, 2, 3, 4, 5 };
        plot.Axes.Left.SetTicks(decades, decades.Select(d => Math.Pow(10, d).ToString("N0", CultureInfo.InvariantCulture) + " ms").ToArray());
        plot.Axes.Bottom.SetTicks(positions, groups.Select(g => g.Key + "/s").ToArray());
        plot.Title("Latency vs offered rate (median of runs, bars: min–max)");
        plot.XLabel("offered rate (POST /tasks)");
        plot.YLabel("latency");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
        return path;
    }

    /// <summary>The min–max of the runs, as a vertical bar through the median's marker.</summary>
    private static void AddRangeBar(Plot plot, double x, double min, double max, Color color)
    {
        var bar = plot.Add.Line(x, min, x, max);
        bar.LineWidth = 2;
        bar.LineColor = color;
    }
}
