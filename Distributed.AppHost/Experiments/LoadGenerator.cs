using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Distributed.Load;
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
        LogStarting(logger, plan, gateway, runId);
        // The gateway's address is fixed for the AppHost's lifetime; the client may only take it before its first request.
        _http.BaseAddress ??= gateway;
        using var load = new OpenLoad(_http, new OpenLoadOptions
        {
            TaskType = LoadPlan.TaskType,
            Rate = plan.Burst > 0 ? 0 : plan.Rate,
            Count = plan.Total,
            MaxInFlight = MaxInFlight,
            Data = sequence => string.Create(CultureInfo.InvariantCulture, $$"""{"run":"{{runId}}","n":{{sequence}}}"""),
        });
        var sending = load.RunAsync(cancellationToken);
        while (await Task.WhenAny(sending, Task.Delay(ProgressEvery, CancellationToken.None)) != sending)
        {
            var progress = Summary(plan, "running", load.Snapshot(), 0, 0, []);
            LogProgress(logger, progress);
            await show(progress);
        }

        var sent = await sending;
        if (cancellationToken.IsCancellationRequested)
        {
            return Summary(plan, "stopped", sent, 0, 0, []);
        }

        var sentSummary = Summary(plan, "sent", sent, 0, 0, []);
        LogSent(logger, sentSummary);
        var (latencies, degraded) = await WaitUntilStoredAsync(aggregator, startedAt, sent.AcceptedAt, logger, cancellationToken);
        var state = latencies.Count == sent.AcceptedAt.Count ? "finished" : cancellationToken.IsCancellationRequested ? "stopped" : "finished with tasks missing";
        return Summary(plan, state, sent, latencies.Count, degraded, latencies);
    }

    private static int OtherErrors(LoadReport report) =>
        report.Statuses.Where(status => status.Key is not HttpStatusCode.Accepted and not HttpStatusCode.ServiceUnavailable).Sum(status => status.Value)
        + report.UnknownOutcome + report.Skipped;

    private static LoadSummary Summary(LoadPlan plan, string state, LoadReport report, int stored, int degraded, List<TimeSpan> latencies) =>
        new(plan, state, report.Tasks, report.AcceptedAt.Count, report.Count(HttpStatusCode.ServiceUnavailable), OtherErrors(report), stored,
            degraded, NearestRank.Of(latencies, 0.5), NearestRank.Of(latencies, 0.99));

    /// <summary>Reads the run's rows back from the aggregator until every accepted task is listed, or the deadline.</summary>
    private async Task<(List<TimeSpan> Latencies, int Degraded)> WaitUntilStoredAsync(
        Uri aggregator, DateTimeOffset startedAt, IReadOnlyDictionary<Guid, DateTimeOffset> accepted, ILogger logger, CancellationToken cancellationToken)
    {
        var waiting = new Dictionary<Guid, DateTimeOffset>(accepted);
        var latencies = new List<TimeSpan>(accepted.Count);
        var degradedCount = 0;
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
                            degradedCount++;
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
        return (latencies, degradedCount);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Load: sending {Plan} to {Gateway} (run {RunId}, task_type 'load')")]
    private static partial void LogStarting(ILogger logger, LoadPlan plan, Uri gateway, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load {Progress}")]
    private static partial void LogProgress(ILogger logger, LoadSummary progress);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load {Sent}; waiting until the accepted ones are stored")]
    private static partial void LogSent(ILogger logger, LoadSummary sent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load: {Waiting} accepted tasks not listed by the aggregator yet")]
    private static partial void LogWaiting(ILogger logger, int waiting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load {Report}")]
    private static partial void LogReport(ILogger logger, LoadSummary report);

    [LoggerMessage(Level = LogLevel.Error, Message = "Load run failed: {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string reason);
}
