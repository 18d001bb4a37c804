namespace Distributed.Messaging;

/// <summary>What a handler decided for one message; the consume loop carries it out.</summary>
public readonly record struct Handling
{
    private Handling(HandlingKind kind, TimeSpan delay, string? reason)
    {
        Kind = kind;
        Delay = delay;
        Reason = reason;
    }

    public HandlingKind Kind { get; }

    /// <summary>For <see cref="HandlingKind.Retry"/>: how long JetStream waits before delivering it again.</summary>
    public TimeSpan Delay { get; }

    /// <summary>For <see cref="HandlingKind.DeadLetter"/>: why, as the dead letter's reason header says.</summary>
    public string? Reason { get; }

    /// <summary>Done with: acked.</summary>
    public static Handling Done { get; } = new(HandlingKind.Done, TimeSpan.Zero, null);

    /// <summary>Not now: nak'ed, to be delivered again after <paramref name="delay"/>; it spends a delivery.</summary>
    public static Handling RetryIn(TimeSpan delay) => new(HandlingKind.Retry, delay, null);

    /// <summary>Never: moved to <c>deadletter.&lt;stage&gt;</c> with <paramref name="reason"/>, then acked.</summary>
    public static Handling DeadLetter(string reason) => new(HandlingKind.DeadLetter, TimeSpan.Zero, reason);
}

public enum HandlingKind
{
    Done,
    Retry,
    DeadLetter,
}
