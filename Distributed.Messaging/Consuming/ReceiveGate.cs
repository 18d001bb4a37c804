namespace Distributed.Messaging;

/// <summary>
/// Lets a batch handler stop the receiver while its dependency is down: messages it has not
/// pulled stay in the stream instead of timing out in a buffer and coming back delivery after delivery.
/// </summary>
public sealed class ReceiveGate : IDisposable
{
    private readonly Lock _lock = new();
    private CancellationTokenSource _open = new();
    private TaskCompletionSource _reopened = Completed();

    /// <summary>Cancelled when the gate closes.</summary>
    public CancellationToken WhileOpen
    {
        get
        {
            lock (_lock)
            {
                return _open.Token;
            }
        }
    }

    public Task WaitUntilOpenAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _reopened.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits until open, then gives a token that is cancelled when the gate closes.</summary>
    public async Task<CancellationToken> WhenOpenAsync(CancellationToken cancellationToken)
    {
        await WaitUntilOpenAsync(cancellationToken);
        return WhileOpen;
    }

    public void Close()
    {
        lock (_lock)
        {
            if (_reopened.Task.IsCompleted)
            {
                _reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _open.Cancel();
            }
        }
    }

    public void Open()
    {
        lock (_lock)
        {
            if (!_reopened.Task.IsCompleted)
            {
                _open.Dispose();
                _open = new CancellationTokenSource();
                _reopened.TrySetResult();
            }
        }
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
