namespace Distributed.Load;

/// <summary>The one percentile of the project's own reports (the load summaries, the bench's open-model and NATS runs).</summary>
public static class NearestRank
{
    /// <summary>The value at quantile <paramref name="q"/> (0–1) of ascending values, by nearest rank; null when there are none.</summary>
    public static T? Of<T>(IReadOnlyList<T> ascending, double q)
        where T : struct =>
        ascending.Count == 0 ? null : ascending[Math.Clamp((int)Math.Ceiling(q * ascending.Count) - 1, 0, ascending.Count - 1)];
}
