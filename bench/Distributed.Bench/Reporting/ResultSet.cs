using System.Text.Json.Nodes;

namespace Distributed.Bench.Reporting;

/// <summary>The JSON reports of one bench/run-all.sh, by experiment folder and file name.</summary>
public sealed class ResultSet(string root)
{
    public string Root => root;

    /// <summary>Reports in <paramref name="experiment"/> grouped by the part of the name before "-run".</summary>
    public IReadOnlyList<(string Key, IReadOnlyList<JsonObject> Runs)> Groups(string experiment)
    {
        var directory = Path.Combine(root, experiment);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory, "*.json")
            .Select(path => (Key: Path.GetFileNameWithoutExtension(path).Split("-run")[0], Json: Load(path)))
            .Where(r => r.Json is not null)
            .GroupBy(r => r.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<JsonObject>)g.Select(r => r.Json!).ToList()))
            .OrderBy(g => double.TryParse(g.Key, out var n) ? n : double.MaxValue)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
    }

    public IReadOnlyList<JsonObject> Runs(string experiment, string key) =>
        Groups(experiment).FirstOrDefault(g => g.Key == key).Runs ?? [];

    public JsonObject? File(string relativePath) => Load(Path.Combine(root, relativePath));

    private static JsonObject? Load(string path) =>
        System.IO.File.Exists(path) ? JsonNode.Parse(System.IO.File.ReadAllText(path)) as JsonObject : null;
}

public static class JsonPath
{
    /// <summary>A number at a dotted path ("endToEnd.latencySeconds.p99"), or null.</summary>
    public static double? Number(this JsonNode? node, string path)
    {
        // Keys may hold dots themselves ("p99.9"): at each level take the longest key that exists.
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length && node is not null;)
        {
            if (node is not JsonObject json)
            {
                return null;
            }

            var next = Enumerable.Range(1, parts.Length - i).Reverse()
                .Select(n => (Count: n, Key: string.Join('.', parts, i, n)))
                .FirstOrDefault(k => json.ContainsKey(k.Key));
            if (next.Key is null)
            {
                return null;
            }

            node = json[next.Key];
            i += next.Count;
        }

        return node is JsonValue value && value.TryGetValue<double>(out var number) ? number : null;
    }

    public static Spread? Spread(this IEnumerable<JsonObject> runs, string path, double scale = 1) =>
        Reporting.Spread.Of(runs.Select(r => r.Number(path) * scale));

    /// <summary>The per-process usage entries of a report for one component.</summary>
    public static JsonObject? Component(this JsonObject run, string component) =>
        run["processes"]?.AsArray().OfType<JsonObject>().FirstOrDefault(p => p["component"]?.GetValue<string>() == component);
}
