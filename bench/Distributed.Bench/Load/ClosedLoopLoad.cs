using System.Diagnostics;

namespace Distributed.Bench.Load;

/// <summary>
/// Closed-loop load: N clients, each sending its next request as soon as the last is answered.
/// It finds the most a server sustains at that concurrency; latency is from each actual send.
/// </summary>
public sealed class ClosedLoopLoad(LoadOptions options, LoadRecorder recorder)
{
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        var connections = options.Connections ?? 64;
        using var client = TaskRequests.CreateClient(options, connections);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(options.Duration);
        long sequence = 0;
        var clock = Stopwatch.StartNew();
        using var progress = recorder.StartProgress(clock, "∞");

        var clients = Enumerable.Range(0, connections).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var sent = clock.Elapsed;
                try
                {
                    var status = await TaskRequests.SendAsync(client, options.TaskType, Interlocked.Increment(ref sequence));
                    recorder.Answered(status, clock.Elapsed - sent);
                }
                catch (Exception ex) when (TaskRequests.IsTransportFailure(ex))
                {
                    recorder.Failed();
                }
            }
        }).ToArray();

        await Task.WhenAll(clients);
        return recorder.Result(Interlocked.Read(ref sequence), clock.Elapsed);
    }
}
