namespace Distributed.Messaging;

/// <summary>
/// Whether a consumer pulls: closed, it finishes what it holds and pulls no more, so what it has
/// not pulled stays in the stream instead of timing out in a buffer and coming back delivery after
/// delivery. A batch handler closes it while its dependency is down; the processor's intake switch
/// while an operator pauses it.
/// </summary>
/// <remarks>
/// The open token is handed out under the same lock that decides the gate is open, so a close
/// that races a waiter can never give it an already-cancelled token; and the token is cancelled
/// (and waiters released) outside the lock, because cancelling runs the consumer's callbacks on
/// the closing thread, which must not hold the gate meanwhile.
/// </remarks>
public sealed class ReceiveGate : IDisposable
{
    private readonly Lock _lock = new();
    private CancellationTokenSource _open = new();
    private TaskCompletionSource _reopened = Completed();
    private bool _closed;

    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return !_closed;
            }
        }
    }

    /// <summary>Waits until open, then gives a token that is cancelled when the gate closes.</summary>
    public async Task<CancellationToken> WhenOpenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task reopened;
            lock (_lock)
            {
                if (!_closed)
                {
                    return _open.Token;
                }

                reopened = _reopened.Task;
            }

            await reopened.WaitAsync(cancellationToken);
        }
    }

    public void Close()
    {
        CancellationTokenSource toCancel;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            toCancel = _open;
        }

        toCancel.Cancel();
    }

    public void Open()
    {
        CancellationTokenSource spent;
        TaskCompletionSource toRelease;
        lock (_lock)
        {
            if (!_closed)
            {
                return;
            }

            _closed = false;
            spent = _open;
            _open = new CancellationTokenSource();
            toRelease = _reopened;
        }

        toRelease.TrySetResult();
        // Cancelled when it closed, so no one registers on it any more.
        spent.Dispose();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _open.Dispose();
        }
    }

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
