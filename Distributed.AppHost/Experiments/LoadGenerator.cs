using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Distributed.AppHost.Experiments;

/// <summary>
/// Sends tasks to the gateway at a fixed rate from inside the AppHost ("Send load" in the
/// dashboard), then waits until the aggregator lists every accepted task and reports what
/// happened. One run at a time.
/// </summary>
public sealed partial class LoadGenerator : IDisposable
{
    /// <summary>Requests waiting for an answer at once; past this the gateway is not keeping up and tasks are skipped, not queued.</summary>
    private const int MaxInFlight = 512;
    private const int PageSize = 1000;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    /// <summary>How long to wait for the accepted tasks to be stored: long enough for redeliveries after a crash.</summary>
    private static readonly TimeSpan StoreDeadline = TimeSpan.FromMinutes(2);

    private readonly Lock _gate = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 128 }) { Timeout = TimeSpan.FromSeconds(15) };
    private CancellationTokenSource? _running;

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _running is not null;
            }
        }
    }

    public bool TryStart(LoadPlan plan, Uri gateway, Uri aggregator, ILogger logger, Func<LoadSummary, Task> show)
    {
        CancellationTokenSource run;
        lock (_gate)
        {
            if (_running is not null)
            {
                return false;
            }

            run = _running = new CancellationTokenSource();
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var report = await RunAsync(plan, gateway, aggregator, logger, show, run.Token);
                LogReport(logger, report);
                await show(report);
            }
            catch (Exception ex)
            {
                LogRunFailed(logger, ex.Message);
                await show(new LoadSummary(plan, "failed: " + ex.Message, 0, 0, 0, 0, 0, 0, null, null));
            }
            finally
            {
                lock (_gate)
                {
                    _running = null;
                }

                run.Dispose();
            }
        });
        return true;
    }

    /// <returns>False when no load was running.</returns>
    public bool Stop()
    {
        lock (_gate)
        {
            if (_running is null)
            {
                return false;
            }

            _running.Cancel();
            return true;
        }
    }

    private async Task<LoadSummary> RunAsync(
        LoadPlan plan, Uri gateway, Uri aggregator, ILogger logger, Func<LoadSummary, Task> show, CancellationToken cancellationToken)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var accepted = new ConcurrentDictionary<Guid, DateTimeOffset>();
        var counts = new Counts();
        using var inFlight = new SemaphoreSlim(MaxInFlight, MaxInFlight);
        var requests = new List<Task>(plan.Total);
        var lastProgress = TimeSpan.Zero;
        LogStarting(logger, plan, gateway, runId);

        var stopped = false;
        try
        {
            for (var index = 0; index < plan.Total;)
            {
                for (; index < plan.Total && plan.DueAt(index) <= clock.Elapsed; index++)
                {
                    if (!inFlight.Wait(0, CancellationToken.None))
                    {
                        Interlocked.Increment(ref counts.Skipped);
                        continue;
                    }

                    requests.Add(SendAsync(gateway, runId, index, accepted, counts, inFlight));
                }

                if (clock.Elapsed - lastProgress >= ProgressEvery)
                {
                    lastProgress = clock.Elapsed;
                    LogProgress(logger, index, plan.Total, accepted.Count, counts.Unavailable, counts.Other, counts.Skipped);
                    await show(counts.Report(plan, "running", index, accepted.Count, 0, []));
                }

                await Task.Delay(Tick, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            stopped = true;
        }

        await Task.WhenAll(requests);
        var sent = requests.Count;
        if (stopped)
        {
            return counts.Report(plan, "stopped", sent, accepted.Count, 0, []);
        }

        LogSent(logger, sent, accepted.Count, counts.Unavailable, counts.Other);
        var latencies = await WaitUntilStoredAsync(aggregator, startedAt, accepted, counts, logger, cancellationToken);
        var state = latencies.Count == accepted.Count ? "finished" : cancellationToken.IsCancellationRequested ? "stopped" : "finished with tasks missing";
        return counts.Report(plan, state, sent, accepted.Count, latencies.Count, latencies);
    }

    private async Task SendAsync(Uri gateway, string runId, int index, ConcurrentDictionary<Guid, DateTimeOffset> accepted, Counts counts, SemaphoreSlim inFlight)
    {
        try
        {
            var sentAt = DateTimeOffset.UtcNow;
            var body = string.Create(CultureInfo.InvariantCulture, $$$"""{"task_type":"{{{LoadPlan.TaskType}}}","data":{"run":"{{{runId}}}","n":{{{index}}}}}""");
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(new Uri(gateway, "/tasks"), content);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                using var answer = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                accepted[answer.RootElement.GetProperty("request_id").GetGuid()] = sentAt;
            }
            else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Interlocked.Increment(ref counts.Unavailable);
            }
            else
            {
                Interlocked.Increment(ref counts.Other);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            Interlocked.Increment(ref counts.Other);
        }
        finally
        {
            inFlight.Release();
        }
    }

    /// <summary>Reads the run's rows back from the aggregator until every accepted task is listed, or the deadline.</summary>
    private async Task<List<TimeSpan>> WaitUntilStoredAsync(
        Uri aggregator, DateTimeOffset startedAt, ConcurrentDictionary<Guid, DateTimeOffset> accepted, Counts counts, ILogger logger, CancellationToken cancellationToken)
    {
        var waiting = new Dictionary<Guid, DateTimeOffset>(accepted);
        var latencies = new List<TimeSpan>(accepted.Count);
        var deadline = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        while (waiting.Count > 0 && deadline.Elapsed < StoreDeadline && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var (requestId, processedAt, degraded) in RowsSinceAsync(aggregator, startedAt, cancellationToken))
                {
                    if (waiting.Remove(requestId, out var sentAt))
                    {
                        latencies.Add(processedAt - sentAt);
                        if (degraded)
                        {
                            Interlocked.Increment(ref counts.Degraded);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                // The aggregator is away for a moment: try again on the next round.
            }

            if (waiting.Count == 0)
            {
                break;
            }

            if (deadline.Elapsed - lastProgress >= ProgressEvery)
            {
                lastProgress = deadline.Elapsed;
                LogWaiting(logger, waiting.Count);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        latencies.Sort();
        return latencies;
    }

    private async IAsyncEnumerable<(Guid RequestId, DateTimeOffset ProcessedAt, bool Degraded)> RowsSinceAsync(
        Uri aggregator, DateTimeOffset startedAt, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Newest first; a page whose oldest row predates the run (with room for clock skew) is the last one needed.
        var oldestWanted = startedAt - TimeSpan.FromSeconds(10);
        string? before = null;
        while (true)
        {
            var page = $"/results?task_type={LoadPlan.TaskType}&limit={PageSize}" + (before is null ? string.Empty : $"&before={before}");
            var rows = await _http.GetFromJsonAsync<JsonElement>(new Uri(aggregator, page), cancellationToken);
            var count = 0;
            var oldest = DateTimeOffset.MaxValue;
            foreach (var row in rows.EnumerateArray())
            {
                count++;
                before = row.GetProperty("id").GetString();
                var processedAt = row.GetProperty("processed_at").GetDateTimeOffset();
                oldest = processedAt < oldest ? processedAt : oldest;
                yield return (row.GetProperty("request_id").GetGuid(), processedAt, row.GetProperty("enrichment").ValueKind == JsonValueKind.Null);
            }

            if (count < PageSize || oldest < oldestWanted)
            {
                yield break;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private sealed class Counts
    {
        public int Unavailable;
        public int Other;
        public int Skipped;
        public int Degraded;

        public LoadSummary Report(LoadPlan plan, string state, int sent, int accepted, int stored, List<TimeSpan> latencies) =>
            new(plan, state, sent, accepted, Volatile.Read(ref Unavailable), Volatile.Read(ref Other) + Volatile.Read(ref Skipped), stored,
                Volatile.Read(ref Degraded), LoadSummary.Quantile(latencies, 0.5), LoadSummary.Quantile(latencies, 0.99));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Load: sending {Plan} to {Gateway} (run {RunId}, task_type 'load')")]
    private static partial void LogStarting(ILogger logger, LoadPlan plan, Uri gateway, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load: sent {Sent} of {Total}; accepted {Accepted}, 503 {Unavailable}, other errors {Other}, skipped (512 already waiting) {Skipped}")]
    private static partial void LogProgress(ILogger logger, int sent, int total, int accepted, int unavailable, int other, int skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load: all {Sent} sent; accepted {Accepted}, 503 {Unavailable}, other errors {Other}; waiting until the accepted ones are stored")]
    private static partial void LogSent(ILogger logger, int sent, int accepted, int unavailable, int other);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load: {Waiting} accepted tasks not listed by the aggregator yet")]
    private static partial void LogWaiting(ILogger logger, int waiting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load {Report}")]
    private static partial void LogReport(ILogger logger, LoadSummary report);

    [LoggerMessage(Level = LogLevel.Error, Message = "Load run failed: {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string reason);
}
