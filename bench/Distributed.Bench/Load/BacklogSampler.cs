using System.Diagnostics;

namespace Distributed.Bench.Load;

/// <summary>
/// Once a second during a run: tasks accepted so far minus rows stored so far. A backlog that
/// keeps growing means the offered rate is above what the pipeline sustains.
/// </summary>
public sealed class BacklogSampler(PipelineProbe probe, MetricsSnapshot before, LoadRecorder recorder)
{
    private readonly List<BacklogSample> _samples = [];

    public IReadOnlyList<BacklogSample> Samples => _samples;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var accepted = recorder.Accepted;
                var now = await probe.SnapshotAsync();
                _samples.Add(new BacklogSample(clock.Elapsed.TotalSeconds, accepted, (long)(now.Stored - before.Stored)));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Least-squares slope of the backlog over the second half of the run, in tasks per second.</summary>
    public double GrowthPerSecond()
    {
        var half = _samples.Skip(_samples.Count / 2).ToList();
        if (half.Count < 2)
        {
            return 0;
        }

        var meanT = half.Average(s => s.Seconds);
        var meanB = half.Average(s => (double)s.Backlog);
        var numerator = half.Sum(s => (s.Seconds - meanT) * (s.Backlog - meanB));
        var denominator = half.Sum(s => (s.Seconds - meanT) * (s.Seconds - meanT));
        return denominator == 0 ? 0 : numerator / denominator;
    }
}

public sealed record BacklogSample(double Seconds, long Accepted, long Stored)
{
    public long Backlog => Accepted - Stored;
}
