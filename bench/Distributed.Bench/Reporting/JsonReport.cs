using System.Text.Json;
using System.Text.Json.Nodes;

namespace Distributed.Bench.Reporting;

public static class JsonReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Prints the report on stdout and, when asked, writes it to a file too.</summary>
    public static async Task WriteAsync(JsonNode report, string? path)
    {
        var json = report.ToJsonString(Indented);
        Console.WriteLine(json);
        if (path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, json);
        }
    }

    /// <summary>Seconds, as the original's scripts read them from oha's JSON.</summary>
    public static JsonObject Percentiles(Func<double, double> at) => new()
    {
        ["p50"] = at(50),
        ["p90"] = at(90),
        ["p99"] = at(99),
        ["p99.9"] = at(99.9),
    };

    public static JsonArray Processes(IReadOnlyList<ComponentUsage> usage, double tasks) =>
        new(usage.Select(u => (JsonNode)new JsonObject
        {
            ["component"] = u.Component,
            ["processes"] = u.Processes,
            ["cpuSeconds"] = Math.Round(u.CpuSeconds, 2),
            ["cores"] = Math.Round(u.Cores, 3),
            ["cpuMsPerTask"] = tasks > 0 ? Math.Round(u.CpuSeconds * 1000 / tasks, 4) : null,
            ["peakRssMiBPerProcess"] = Math.Round(u.PeakRssMiBPerProcess, 1),
            ["peakRssMiBTotal"] = Math.Round(u.PeakRssMiBTotal, 1),
            ["rssMiB"] = new JsonArray(u.RssMiBSeries.Select(p => (JsonNode)new JsonArray(p[0], p[1])).ToArray()),
        }).ToArray());
}
