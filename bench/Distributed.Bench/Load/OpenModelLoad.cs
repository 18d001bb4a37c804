using System.Diagnostics;

namespace Distributed.Bench.Load;

/// <summary>
/// Fixed-rate (open-model) load on POST /tasks. Each request has a scheduled send time, and its
/// latency is measured from that time, not from when it was actually sent: a stalled server
/// cannot hide its stall by slowing the load down (coordinated omission).
/// </summary>
public sealed class OpenModelLoad(LoadOptions options, LoadRecorder recorder)
{
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        using var client = TaskRequests.CreateClient(options, options.MaxInFlight);
        using var slots = new SemaphoreSlim(options.MaxInFlight);
        var total = (long)Math.Round(options.Rate * options.Duration.TotalSeconds);
        var interval = TimeSpan.FromSeconds(1 / options.Rate);
        var pending = new List<Task>((int)Math.Min(total, 1_000_000));
        var clock = Stopwatch.StartNew();
        using var progress = recorder.StartProgress(clock, total.ToString(System.Globalization.CultureInfo.InvariantCulture));

        for (long i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
        {
            var scheduled = interval * i;
            var wait = scheduled - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, CancellationToken.None);
            }

            // When every slot is taken the wait counts against the requests still to send.
            await slots.WaitAsync(CancellationToken.None);
            pending.Add(SendAsync(client, slots, clock, scheduled, i));
        }

        await Task.WhenAll(pending);
        return recorder.Result(pending.Count, clock.Elapsed);
    }

    private async Task SendAsync(HttpClient client, SemaphoreSlim slots, Stopwatch clock, TimeSpan scheduled, long sequence)
    {
        try
        {
            var status = await TaskRequests.SendAsync(client, options.TaskType, sequence);
            recorder.Answered(status, clock.Elapsed - scheduled);
        }
        catch (Exception ex) when (TaskRequests.IsTransportFailure(ex))
        {
            recorder.Failed();
        }
        finally
        {
            slots.Release();
        }
    }
}
