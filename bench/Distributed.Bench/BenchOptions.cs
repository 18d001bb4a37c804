using System.Globalization;

namespace Distributed.Bench;

/// <summary>Command-line options of the load tool; every one has a default.</summary>
public sealed record BenchOptions(
    Uri Gateway,
    Uri? Aggregator,
    double Rate,
    TimeSpan Duration,
    int MaxInFlight,
    string TaskType,
    string? JsonPath,
    TimeSpan DrainDeadline)
{
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            }

            values[args[i][2..]] = args[++i];
        }

        string Get(string name, string fallback) => values.TryGetValue(name, out var v) ? v : fallback;
        return new BenchOptions(
            new Uri(Get("url", "http://127.0.0.1:3000")),
            values.TryGetValue("aggregator", out var aggregator) ? new Uri(aggregator) : null,
            double.Parse(Get("rate", "100"), CultureInfo.InvariantCulture),
            ParseDuration(Get("duration", "10s")),
            int.Parse(Get("max-in-flight", "512"), CultureInfo.InvariantCulture),
            Get("task-type", "bench"),
            values.GetValueOrDefault("json"),
            ParseDuration(Get("drain", "120s")));
    }

    /// <summary>"30s", "2m", "500ms" or plain seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        if (text.EndsWith("ms", StringComparison.Ordinal))
        {
            return TimeSpan.FromMilliseconds(double.Parse(text[..^2], CultureInfo.InvariantCulture));
        }

        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
            'm' => TimeSpan.FromMinutes(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
            _ => TimeSpan.FromSeconds(double.Parse(text, CultureInfo.InvariantCulture)),
        };
    }
}
