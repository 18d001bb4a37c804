using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace Distributed.Bench.Load;

/// <summary>What a load run saw: answers by status, transport errors and the latency histogram (µs).</summary>
public sealed class LoadRecorder
{
    private readonly LongConcurrentHistogram _latency = new(1, TimeStamp.Hours(1), 3);
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private int _errors;
    private int _completed;

    public int Completed => Volatile.Read(ref _completed);

    public int Accepted => _statuses.GetValueOrDefault(202);

    public int Errors => Volatile.Read(ref _errors);

    public void Answered(int status, TimeSpan latency)
    {
        _latency.RecordValue(Math.Max(1, latency.Ticks / (TimeSpan.TicksPerMillisecond / 1000)));
        _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _completed);
    }

    public void Failed() => Interlocked.Increment(ref _errors);

    public LoadResult Result(long scheduled, TimeSpan elapsed) =>
        new(scheduled, Completed, Errors, elapsed, _latency.Copy(), new Dictionary<int, int>(_statuses));

    /// <summary>One line per second on stderr, so a long run shows it is alive and how it is doing.</summary>
    public Timer StartProgress(Stopwatch clock, string total) =>
        new(_ => Console.Error.Write(
            $"\r{clock.Elapsed.TotalSeconds,6:F1} s  {Completed,8}/{total} answered  {Accepted,8} accepted  {Errors,5} errors  p99 {CurrentP99Ms(),9:F2} ms "),
            null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    /// <summary>
    /// Read while requests are being recorded: the histogram's counts can be mid-update and the
    /// library then throws, which in a timer callback would end the process. Progress only.
    /// </summary>
    private double CurrentP99Ms()
    {
        try
        {
            return _latency.TotalCount == 0 ? 0 : _latency.GetValueAtPercentile(99) / 1000.0;
        }
        catch (ArgumentOutOfRangeException)
        {
            return double.NaN;
        }
    }
}

public sealed record LoadResult(long Scheduled, int Completed, int Errors, TimeSpan Elapsed, HistogramBase LatencyMicros, IReadOnlyDictionary<int, int> Statuses)
{
    public int Accepted => Statuses.GetValueOrDefault(202);

    public double PercentileMs(double percentile) => LatencyMicros.TotalCount == 0 ? 0 : LatencyMicros.GetValueAtPercentile(percentile) / 1000.0;
}
