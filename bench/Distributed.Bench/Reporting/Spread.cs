using System.Globalization;

namespace Distributed.Bench.Reporting;

/// <summary>The median of repeated runs with their minimum and maximum, as the tables quote them.</summary>
public sealed record Spread(double Median, double Min, double Max, int Runs)
{
    public static Spread? Of(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v is not null && !double.IsNaN(v.Value)).Select(v => v!.Value).Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var middle = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1], sorted.Count);
    }

    /// <summary>"1234 (1200–1300)" with the given format; the range is left out for a single run.</summary>
    public string Format(string format) =>
        Runs == 1 || Min == Max
            ? Median.ToString(format, CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Median.ToString(format, CultureInfo.InvariantCulture)} ({Min.ToString(format, CultureInfo.InvariantCulture)}–{Max.ToString(format, CultureInfo.InvariantCulture)})");
}

public static class SpreadExtensions
{
    public static string Show(this Spread? spread, string format = "F0") => spread?.Format(format) ?? "–";
}
