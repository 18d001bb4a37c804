namespace Distributed.Messaging;

/// <summary>
/// Whether a consumer pulls: closed, the pull ends and what was not pulled stays in the stream,
/// where it is safe and any replica takes it later. The consume loop closes it while a batch
/// handler's dependency is down (instead of letting messages time out in a buffer and come back
/// delivery after delivery); the processor's Pause closes it by hand.
/// </summary>
public sealed class ReceiveGate : IDisposable
{
    private readonly Lock _lock = new();
    private CancellationTokenSource _open = new();
    private TaskCompletionSource _reopened = Completed();

    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _reopened.Task.IsCompleted;
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
                if (_reopened.Task.IsCompleted)
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
        CancellationTokenSource? toCancel = null;
        lock (_lock)
        {
            if (_reopened.Task.IsCompleted)
            {
                _reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                toCancel = _open;
            }
        }

        // Outside the lock: cancelling runs the consumer's callbacks on this thread.
        toCancel?.Cancel();
    }

    public void Open()
    {
        TaskCompletionSource? toRelease = null;
        CancellationTokenSource? spent = null;
        lock (_lock)
        {
            if (!_reopened.Task.IsCompleted)
            {
                spent = _open;
                _open = new CancellationTokenSource();
                toRelease = _reopened;
            }
        }

        toRelease?.TrySetResult();
        spent?.Dispose();
    }

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _open.Dispose();
        }
    }
}
