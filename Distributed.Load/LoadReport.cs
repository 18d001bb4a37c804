using System.Net;

namespace Distributed.Load;

/// <summary>What the clients of an <see cref="OpenLoad"/> saw.</summary>
public sealed record LoadReport
{
    /// <summary>Tasks sent (each may have taken several requests).</summary>
    public int Tasks { get; init; }

    /// <summary>Tasks that came due while <see cref="OpenLoadOptions.MaxInFlight"/> requests were waiting already, and were not sent.</summary>
    public int Skipped { get; init; }

    /// <summary>Tasks whose clients stopped without a 202 (every task, without retries, that was not accepted).</summary>
    public int GaveUp { get; init; }

    /// <summary>Requests that got no answer within the client's timeout.</summary>
    public int Unanswered { get; init; }

    /// <summary>Requests whose connection was refused or dropped.</summary>
    public int TransportFailures { get; init; }

    /// <summary>Requests whose client cannot know whether the task was taken: no answer, or no connection.</summary>
    public int UnknownOutcome => Unanswered + TransportFailures;

    public int RetryAfterMissing { get; init; }

    /// <summary>The slowest answer a request got.</summary>
    public TimeSpan LongestAnswer { get; init; }

    /// <summary>The request id of every accepted task, with when its accepted request was sent.</summary>
    public IReadOnlyDictionary<Guid, DateTimeOffset> AcceptedAt { get; init; } = new Dictionary<Guid, DateTimeOffset>();

    public IReadOnlyList<Guid> Accepted => [.. AcceptedAt.Keys];

    public IReadOnlyDictionary<HttpStatusCode, int> Statuses { get; init; } = new Dictionary<HttpStatusCode, int>();

    /// <summary>Every answer, by when it came (on the load's clock).</summary>
    public IReadOnlyList<(TimeSpan At, HttpStatusCode Status)> Answers { get; init; } = [];

    public IReadOnlyList<string> UnavailableMediaTypes { get; init; } = [];

    /// <summary>The problem bodies of the 503s that said the outcome was unknown.</summary>
    public IReadOnlyList<string> OutcomeUnknownBodies { get; init; } = [];

    public int Count(HttpStatusCode status) => Statuses.TryGetValue(status, out var n) ? n : 0;

    /// <summary>When the first 202 after <paramref name="at"/> was answered.</summary>
    public TimeSpan? FirstAcceptedAfter(TimeSpan at) =>
        Answers.Where(answer => answer.Status == HttpStatusCode.Accepted && answer.At >= at).Select(answer => (TimeSpan?)answer.At).FirstOrDefault();

    /// <summary>
    /// The longest stretch clients were refused, between <paramref name="from"/> and <paramref name="to"/>:
    /// from a 503 to the next 202 (or to the last answer, if none came). Zero when nothing was refused.
    /// </summary>
    public TimeSpan LongestUnavailableWindow(TimeSpan from, TimeSpan to)
    {
        var answers = Answers.Where(answer => answer.At >= from && answer.At <= to).ToList();
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

    public TimeSpan LongestUnavailableWindow() => LongestUnavailableWindow(TimeSpan.Zero, TimeSpan.MaxValue);
}
