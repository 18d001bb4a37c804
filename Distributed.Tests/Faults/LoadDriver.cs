using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Distributed.Tests.Faults;

/// <summary>
/// A bounded open-model load on <c>POST /tasks</c>: one request every <c>interval</c>, each on
/// its own, so that a stalled gateway does not slow the schedule down. Records what a client saw.
/// </summary>
public sealed class LoadDriver(HttpClient gateway, string taskType, TimeSpan interval, int maxInFlight = 64) : IDisposable
{
    private readonly ConcurrentBag<Guid> _accepted = [];
    private readonly ConcurrentDictionary<HttpStatusCode, int> _statuses = new();
    private readonly ConcurrentBag<string> _unavailableProblems = [];
    private readonly ConcurrentBag<(TimeSpan At, HttpStatusCode Status)> _answers = [];
    private readonly Stopwatch _clock = new();
    private int _unknownOutcome;
    private int _retryAfterMissing;
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _clock.Start();
        _loop = RunAsync(_stop.Token);
    }

    public async Task<LoadReport> StopAsync()
    {
        await _stop!.CancelAsync();
        await _loop!;
        return new LoadReport(
            [.. _accepted],
            _statuses.ToDictionary(),
            _unknownOutcome,
            _retryAfterMissing,
            [.. _unavailableProblems],
            [.. _answers.OrderBy(answer => answer.At)]);
    }

    /// <summary>Time since the load started, on the clock the report's answers are stamped with.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public void Dispose() => _stop?.Dispose();

    private async Task RunAsync(CancellationToken stop)
    {
        using var slots = new SemaphoreSlim(maxInFlight);
        var pending = new List<Task>();
        var clock = Stopwatch.StartNew();
        var sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var due = interval * sent;
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            if (!slots.Wait(0, CancellationToken.None))
            {
                // The gateway is stalled and the in-flight bound is reached: skip this send.
                sent++;
                continue;
            }

            pending.Add(SendOneAsync(sent, slots));
            sent++;
        }

        await Task.WhenAll(pending);
    }

    private async Task SendOneAsync(int sequence, SemaphoreSlim slots)
    {
        try
        {
            using var content = new StringContent($$$"""{"task_type":"{{{taskType}}}","data":{"seq":{{{sequence}}}}}""", Encoding.UTF8, "application/json");
            using var response = await gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);
            _statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            _answers.Add((_clock.Elapsed, response.StatusCode));
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                _accepted.Add(body.GetProperty("request_id").GetGuid());
            }
            else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                if (response.Headers.RetryAfter is null)
                {
                    Interlocked.Increment(ref _retryAfterMissing);
                }

                _unavailableProblems.Add(response.Content.Headers.ContentType?.MediaType ?? "none");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            // Connection refused or dropped: the client cannot know whether the task was taken.
            Interlocked.Increment(ref _unknownOutcome);
        }
        finally
        {
            slots.Release();
        }
    }
}

public sealed record LoadReport(
    IReadOnlyList<Guid> Accepted,
    IReadOnlyDictionary<HttpStatusCode, int> Statuses,
    int UnknownOutcome,
    int RetryAfterMissing,
    IReadOnlyList<string> UnavailableMediaTypes,
    IReadOnlyList<(TimeSpan At, HttpStatusCode Status)>? Answers = null)
{
    public int Count(HttpStatusCode status) => Statuses.TryGetValue(status, out var n) ? n : 0;

    /// <summary>
    /// The longest stretch a client was refused: from a 503 to the next 202 (or to the last
    /// answer, if none came). Zero when nothing was refused.
    /// </summary>
    public TimeSpan LongestUnavailableWindow() => LongestUnavailableWindow(TimeSpan.Zero, TimeSpan.MaxValue);

    /// <summary>The same, over the answers that came between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public TimeSpan LongestUnavailableWindow(TimeSpan from, TimeSpan to)
    {
        var answers = (Answers ?? []).Where(answer => answer.At >= from && answer.At <= to).ToList();
        var longest = TimeSpan.Zero;
        TimeSpan? opened = null;
        foreach (var (at, status) in answers)
        {
            if (status == HttpStatusCode.ServiceUnavailable)
            {
                opened ??= at;
            }
            else if (status == HttpStatusCode.Accepted && opened is { } start)
            {
                longest = at - start > longest ? at - start : longest;
                opened = null;
            }
        }

        if (opened is { } unclosed)
        {
            var last = answers[^1].At - unclosed;
            longest = last > longest ? last : longest;
        }

        return longest;
    }
}
