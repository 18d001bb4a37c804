using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Distributed.Load;

/// <summary>
/// Fixed-rate (open-model) load on <c>POST /tasks</c>: task n is due at n / rate, whether or not
/// earlier ones were answered, and its latency counts from when it was due, so a stalled gateway
/// can neither slow the load down nor hide its stall (coordinated omission). Records what the
/// clients saw; <see cref="Snapshot"/> reads it while the load runs.
/// </summary>
public sealed class OpenLoad(HttpClient gateway, OpenLoadOptions options) : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly TimeSpan AfterNoAnswer = TimeSpan.FromSeconds(1);

    private readonly Stopwatch _clock = new();
    private readonly LoadRecord _record = new();
    private CancellationTokenSource? _stop;
    private Task<LoadReport>? _running;

    /// <summary>Called for every answer: its status (0 when none came) and how long after the task was due.</summary>
    public Action<int, TimeSpan>? OnAnswer { get; init; }

    /// <summary>Time since the load started, on the clock the report's answers are stamped with.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public LoadReport Snapshot() => _record.Report();

    /// <summary>Starts sending in the background; <see cref="StopAsync"/> ends it.</summary>
    public void Start()
    {
        _stop = new CancellationTokenSource();
        _running = RunAsync(_stop.Token);
    }

    /// <summary>Stops sending new tasks, waits for those in flight (retries included) and reports.</summary>
    public async Task<LoadReport> StopAsync()
    {
        await _stop!.CancelAsync();
        return await _running!;
    }

    public void Dispose() => _stop?.Dispose();

    /// <summary>Sends until <see cref="OpenLoadOptions.Count"/> tasks have come due or <paramref name="stop"/>, then waits for those in flight.</summary>
    public async Task<LoadReport> RunAsync(CancellationToken stop)
    {
        using var slots = new SemaphoreSlim(options.MaxInFlight);
        var pending = new List<Task>();
        _clock.Start();
        for (long sequence = 0; options.Count is not { } count || sequence < count; sequence++)
        {
            var due = options.Rate > 0 ? TimeSpan.FromSeconds(sequence / options.Rate) : TimeSpan.Zero;
            var wait = due - _clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
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

            if (stop.IsCancellationRequested)
            {
                break;
            }

            if (!slots.Wait(0, CancellationToken.None))
            {
                _record.Skipped();
                continue;
            }

            pending.Add(SendTaskAsync(sequence, due, slots));
        }

        await Task.WhenAll(pending);
        return _record.Report();
    }

    private async Task SendTaskAsync(long sequence, TimeSpan due, SemaphoreSlim slots)
    {
        var key = options.RetryFor is null ? null : Guid.NewGuid().ToString("N");
        var body = Encoding.UTF8.GetBytes($$"""{"task_type":"{{options.TaskType}}","data":{{options.Data(sequence)}}}""");
        _record.TaskStarted();
        try
        {
            while (true)
            {
                var retryAfter = await SendAsync(body, key, due);
                if (retryAfter is not { } wait)
                {
                    return;
                }

                if (options.RetryFor is not { } horizon || _clock.Elapsed - due + wait > horizon)
                {
                    _record.GaveUp();
                    return;
                }

                await Task.Delay(wait);
                due = _clock.Elapsed;
            }
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>One request; null once the task is settled (accepted, or refused for good), else how long to wait before trying again.</summary>
    private async Task<TimeSpan?> SendAsync(byte[] body, string? idempotencyKey, TimeSpan due)
    {
        var sentAt = DateTimeOffset.UtcNow;
        var started = _clock.Elapsed;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative)) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = Json;
            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }

            using var response = await gateway.SendAsync(request);
            var answeredAt = _clock.Elapsed;
            OnAnswer?.Invoke((int)response.StatusCode, answeredAt - due);
            _record.Answered(answeredAt, answeredAt - started, response.StatusCode);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                using var accepted = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
                _record.Accepted(accepted.RootElement.GetProperty("request_id").GetGuid(), sentAt);
                return null;
            }

            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                return null;
            }

            _record.Unavailable(response.Headers.RetryAfter is not null, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
            return response.Headers.RetryAfter?.Delta ?? AfterNoAnswer;
        }
        catch (TaskCanceledException)
        {
            // No answer within the client's timeout: the client cannot know whether the task was taken.
            OnAnswer?.Invoke(0, _clock.Elapsed - due);
            _record.Unanswered();
            return AfterNoAnswer;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // Connection refused or dropped: the client cannot know whether the task was taken either.
            OnAnswer?.Invoke(0, _clock.Elapsed - due);
            _record.TransportFailed();
            return AfterNoAnswer;
        }
    }

    /// <summary>What the clients saw, safe to add to from many requests at once and to read while they run.</summary>
    private sealed class LoadRecord
    {
        private readonly ConcurrentDictionary<Guid, DateTimeOffset> _accepted = new();
        private readonly ConcurrentDictionary<HttpStatusCode, int> _statuses = new();
        private readonly ConcurrentQueue<(TimeSpan At, HttpStatusCode Status)> _answers = new();
        private readonly ConcurrentQueue<string> _unavailableMediaTypes = new();
        private readonly ConcurrentQueue<string> _outcomeUnknown = new();
        private int _tasks;
        private int _skipped;
        private int _gaveUp;
        private int _unanswered;
        private int _transportFailures;
        private int _retryAfterMissing;
        private long _longestAnswerTicks;

        public void TaskStarted() => Interlocked.Increment(ref _tasks);

        public void Skipped() => Interlocked.Increment(ref _skipped);

        public void GaveUp() => Interlocked.Increment(ref _gaveUp);

        public void Unanswered() => Interlocked.Increment(ref _unanswered);

        public void TransportFailed() => Interlocked.Increment(ref _transportFailures);

        public void Accepted(Guid requestId, DateTimeOffset sentAt) => _accepted.TryAdd(requestId, sentAt);

        public void Answered(TimeSpan at, TimeSpan took, HttpStatusCode status)
        {
            _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            _answers.Enqueue((at, status));
            for (var longest = Interlocked.Read(ref _longestAnswerTicks); took.Ticks > longest; longest = Interlocked.Read(ref _longestAnswerTicks))
            {
                Interlocked.CompareExchange(ref _longestAnswerTicks, took.Ticks, longest);
            }
        }

        public void Unavailable(bool hasRetryAfter, string? mediaType, string problem)
        {
            if (!hasRetryAfter)
            {
                Interlocked.Increment(ref _retryAfterMissing);
            }

            _unavailableMediaTypes.Enqueue(mediaType ?? "none");
            if (problem.Contains("\"outcome\":\"unknown\"", StringComparison.Ordinal))
            {
                _outcomeUnknown.Enqueue(problem);
            }
        }

        public LoadReport Report() => new()
        {
            Tasks = Volatile.Read(ref _tasks),
            Skipped = Volatile.Read(ref _skipped),
            GaveUp = Volatile.Read(ref _gaveUp),
            Unanswered = Volatile.Read(ref _unanswered),
            TransportFailures = Volatile.Read(ref _transportFailures),
            RetryAfterMissing = Volatile.Read(ref _retryAfterMissing),
            LongestAnswer = TimeSpan.FromTicks(Interlocked.Read(ref _longestAnswerTicks)),
            AcceptedAt = new Dictionary<Guid, DateTimeOffset>(_accepted),
            Statuses = new Dictionary<HttpStatusCode, int>(_statuses),
            Answers = [.. _answers.OrderBy(answer => answer.At)],
            UnavailableMediaTypes = [.. _unavailableMediaTypes],
            OutcomeUnknownBodies = [.. _outcomeUnknown],
        };
    }
}
