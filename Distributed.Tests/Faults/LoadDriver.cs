using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Distributed.Tests.Faults;

/// <summary>
/// A bounded open-model load on <c>POST /tasks</c>: one task every <c>interval</c>, each on
/// its own, so that a stalled gateway does not slow the schedule down. Records what a client saw.
/// With <c>retryFor</c>, each client behaves as the README tells one to: it sends its task with an
/// <c>Idempotency-Key</c> and sends it again, with the same key, after each 503's
/// <c>Retry-After</c> or a request that got no answer, until a 202 or until <c>retryFor</c> has passed.
/// </summary>
public sealed class LoadDriver(HttpClient gateway, string taskType, TimeSpan interval, int maxInFlight = 64, TimeSpan? retryFor = null) : IDisposable
{
    private readonly ConcurrentBag<Guid> _accepted = [];
    private readonly ConcurrentDictionary<HttpStatusCode, int> _statuses = new();
    private readonly ConcurrentBag<string> _unavailableProblems = [];
    private readonly ConcurrentBag<(TimeSpan At, HttpStatusCode Status)> _answers = [];
    private readonly Stopwatch _clock = new();
    private readonly ConcurrentBag<string> _unknownOutcomeBodies = [];
    private int _unknownOutcome;
    private int _retryAfterMissing;
    private int _unanswered;
    private int _tasks;
    private int _gaveUp;
    private long _longestAnswerTicks;
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
            [.. _answers.OrderBy(answer => answer.At)])
        {
            Tasks = _tasks,
            GaveUp = _gaveUp,
            Unanswered = _unanswered,
            LongestAnswer = TimeSpan.FromTicks(Interlocked.Read(ref _longestAnswerTicks)),
            OutcomeUnknownBodies = [.. _unknownOutcomeBodies],
        };
    }

    /// <summary>Time since the load started, on the clock the report's answers are stamped with.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>The request ids accepted so far, while the load runs.</summary>
    public IReadOnlyList<Guid> AcceptedSoFar() => [.. _accepted];

    /// <summary>When the first 202 after <paramref name="at"/> was answered, while the load runs.</summary>
    public TimeSpan? FirstAcceptedAfter(TimeSpan at) => FirstAcceptedAfter(_answers, at);

    internal static TimeSpan? FirstAcceptedAfter(IEnumerable<(TimeSpan At, HttpStatusCode Status)> answers, TimeSpan at) =>
        answers.Where(answer => answer.Status == HttpStatusCode.Accepted && answer.At >= at).Select(answer => (TimeSpan?)answer.At).Min();

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
        Interlocked.Increment(ref _tasks);
        var key = retryFor is null ? null : Guid.NewGuid().ToString("N");
        var first = _clock.Elapsed;
        try
        {
            while (true)
            {
                var retryAfter = await SendAttemptAsync(sequence, key);
                if (retryAfter is not { } wait)
                {
                    return;
                }

                if (retryFor is not { } horizon || _clock.Elapsed - first + wait > horizon)
                {
                    Interlocked.Increment(ref _gaveUp);
                    return;
                }

                await Task.Delay(wait);
            }
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>One request; null once the task is settled (accepted or refused for good), else how long to wait before trying again.</summary>
    private async Task<TimeSpan?> SendAttemptAsync(int sequence, string? idempotencyKey)
    {
        var sent = _clock.Elapsed;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
            {
                Content = new StringContent($$$"""{"task_type":"{{{taskType}}}","data":{"seq":{{{sequence}}}}}""", Encoding.UTF8, "application/json"),
            };
            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }

            using var response = await gateway.SendAsync(request);
            var answeredIn = (_clock.Elapsed - sent).Ticks;
            for (var longest = Interlocked.Read(ref _longestAnswerTicks); answeredIn > longest; longest = Interlocked.Read(ref _longestAnswerTicks))
            {
                Interlocked.CompareExchange(ref _longestAnswerTicks, answeredIn, longest);
            }

            _statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            _answers.Add((_clock.Elapsed, response.StatusCode));
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                _accepted.Add(body.GetProperty("request_id").GetGuid());
                return null;
            }

            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                return null;
            }

            if (response.Headers.RetryAfter is null)
            {
                Interlocked.Increment(ref _retryAfterMissing);
            }

            _unavailableProblems.Add(response.Content.Headers.ContentType?.MediaType ?? "none");
            var problem = await response.Content.ReadAsStringAsync();
            if (problem.Contains("\"outcome\":\"unknown\"", StringComparison.Ordinal))
            {
                _unknownOutcomeBodies.Add(problem);
            }

            return response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        }
        catch (TaskCanceledException)
        {
            // No answer within the client's timeout: the client cannot know whether the task was taken.
            Interlocked.Increment(ref _unanswered);
            Interlocked.Increment(ref _unknownOutcome);
            return TimeSpan.FromSeconds(1);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // Connection refused or dropped: the client cannot know whether the task was taken.
            Interlocked.Increment(ref _unknownOutcome);
            return TimeSpan.FromSeconds(1);
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
    /// <summary>Tasks the clients set out to submit (each may have taken several requests).</summary>
    public int Tasks { get; init; }

    /// <summary>Tasks whose clients stopped retrying without a 202.</summary>
    public int GaveUp { get; init; }

    /// <summary>Requests that got no answer at all within the client's timeout.</summary>
    public int Unanswered { get; init; }

    /// <summary>The slowest answer any request got.</summary>
    public TimeSpan LongestAnswer { get; init; }

    /// <summary>The problem bodies of the 503s that said the outcome was unknown.</summary>
    public IReadOnlyList<string> OutcomeUnknownBodies { get; init; } = [];

    /// <summary>When the first 202 after <paramref name="at"/> was answered.</summary>
    public TimeSpan? FirstAcceptedAfter(TimeSpan at) => LoadDriver.FirstAcceptedAfter(Answers ?? [], at);

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
