using System.Globalization;

namespace Distributed.AppHost.Experiments;

/// <summary>What "Send load" sends: a fixed rate for a while (open model: the next task is due on time
/// whether or not the last one was answered), or a burst of tasks all at once.</summary>
public sealed record LoadPlan(int Rate, TimeSpan Duration, int Burst = 0)
{
    public const string TaskType = "load";

    public static readonly IReadOnlyDictionary<string, LoadPlan> Presets = new Dictionary<string, LoadPlan>
    {
        ["gentle"] = new(50, TimeSpan.FromSeconds(30)),
        ["heavy"] = new(500, TimeSpan.FromSeconds(60)),
        ["burst"] = new(0, TimeSpan.Zero, Burst: 2_000),
    };

    public static readonly IReadOnlyDictionary<string, string> PresetLabels = new Dictionary<string, string>
    {
        ["gentle"] = "50 tasks/s for 30 s",
        ["heavy"] = "500 tasks/s for 60 s",
        ["burst"] = "a burst of 2,000 tasks at once",
    };

    public int Total => Burst > 0 ? Burst : (int)Math.Ceiling(Rate * Duration.TotalSeconds);

    /// <summary>When task <paramref name="index"/> is due, from the start of the run.</summary>
    public TimeSpan DueAt(int index) => Burst > 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(index / (double)Rate);

    public override string ToString() => Burst > 0
        ? string.Create(CultureInfo.InvariantCulture, $"a burst of {Burst:N0} tasks")
        : string.Create(CultureInfo.InvariantCulture, $"{Rate:N0} tasks/s for {Duration.TotalSeconds:N0} s");
}
