using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using HdrHistogram;

namespace Distributed.Bench;

/// <summary>
/// Fixed-rate (open-model) load on POST /tasks. Each request has a scheduled send time, and its
/// latency is measured from that time, not from when it was actually sent: a stalled server
/// cannot hide its stall by slowing the load down (coordinated omission).
/// </summary>
public sealed class OpenModelLoad(BenchOptions options)
{
    private readonly LongConcurrentHistogram _latency = new(1, TimeStamp.Hours(1), 3);
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private int _errors;
    private int _completed;

    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.MaxInFlight, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { BaseAddress = options.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        using var slots = new SemaphoreSlim(options.MaxInFlight);
        var total = (long)Math.Round(options.Rate * options.Duration.TotalSeconds);
        var interval = TimeSpan.FromSeconds(1 / options.Rate);
        var pending = new List<Task>((int)Math.Min(total, 1_000_000));
        var clock = Stopwatch.StartNew();
        using var progress = StartProgress(clock, total, cancellationToken);

        for (long i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
        {
            var scheduled = interval * i;
            var wait = scheduled - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            await slots.WaitAsync(cancellationToken);
            pending.Add(SendAsync(client, slots, clock, scheduled, i));
        }

        await Task.WhenAll(pending);
        var elapsed = clock.Elapsed;
        return new LoadResult(total, _completed, _errors, elapsed, _latency.Copy(), new Dictionary<int, int>(_statuses));
    }

    private async Task SendAsync(HttpClient client, SemaphoreSlim slots, Stopwatch clock, TimeSpan scheduled, long sequence)
    {
        try
        {
            using var content = new StringContent(
                $$$"""{"task_type":"{{{options.TaskType}}}","data":{"seq":{{{sequence}}}}}""", Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(new Uri("/tasks", UriKind.Relative), content);
            var latency = clock.Elapsed - scheduled;
            _latency.RecordValue(Math.Max(1, latency.Ticks / (TimeSpan.TicksPerMillisecond / 1000)));
            _statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            Interlocked.Increment(ref _completed);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref _errors);
        }
        finally
        {
            slots.Release();
        }
    }

    private Timer StartProgress(Stopwatch clock, long total, CancellationToken cancellationToken) =>
        new(_ =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var done = Volatile.Read(ref _completed);
            var accepted = _statuses.GetValueOrDefault((int)HttpStatusCode.Accepted);
            Console.Error.Write(
                $"\r{clock.Elapsed.TotalSeconds,6:F1} s  {done,8}/{total} answered  {accepted,8} accepted  {Volatile.Read(ref _errors),5} errors  p99 {_latency.GetValueAtPercentile(99) / 1000.0,8:F2} ms ");
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
}

public sealed record LoadResult(long Scheduled, int Completed, int Errors, TimeSpan Elapsed, HistogramBase LatencyMicros, IReadOnlyDictionary<int, int> Statuses)
{
    public int Accepted => Statuses.GetValueOrDefault(202);

    public double PercentileMs(double percentile) => LatencyMicros.TotalCount == 0 ? 0 : LatencyMicros.GetValueAtPercentile(percentile) / 1000.0;
}
