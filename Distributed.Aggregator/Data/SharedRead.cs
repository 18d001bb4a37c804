namespace Distributed.Aggregator.Data;

/// <summary>
/// Runs one read at a time for any number of concurrent callers. A caller that arrives while a
/// read runs gets the <em>next</em> read, which starts after it arrived, so no caller is answered
/// with data older than its own request; the callers that queued up meanwhile all share it.
/// </summary>
public sealed class SharedRead<T>(Func<Task<T>> read)
{
    private readonly Lock _lock = new();
    private bool _reading;
    private TaskCompletionSource<T>? _next;

    /// <summary>Reads started so far; every caller is served by one of them.</summary>
    public int Reads { get; private set; }

    public Task<T> ReadAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_reading)
            {
                _reading = true;
                return ReadThenHandOverAsync().WaitAsync(cancellationToken);
            }

            _next ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _next.Task.WaitAsync(cancellationToken);
        }
    }

    private async Task<T> ReadThenHandOverAsync()
    {
        try
        {
            Reads++;
            return await read();
        }
        finally
        {
            TaskCompletionSource<T>? waiting;
            lock (_lock)
            {
                waiting = _next;
                _next = null;
                _reading = waiting is not null;
            }

            if (waiting is not null)
            {
                _ = CompleteAsync(waiting);
            }
        }
    }

    private async Task CompleteAsync(TaskCompletionSource<T> waiting)
    {
        try
        {
            waiting.SetResult(await ReadThenHandOverAsync());
        }
        catch (Exception ex)
        {
            // A failed read fails every caller that shared it, each as a lone caller would fail.
            waiting.SetException(ex);
        }
    }
}
