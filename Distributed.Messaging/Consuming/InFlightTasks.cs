namespace Distributed.Messaging;

/// <summary>Work a service has started and not finished, so that shutdown can wait for it.</summary>
public sealed class InFlightTasks
{
    private readonly HashSet<Task> _tasks = [];
    private readonly Lock _gate = new();

    public void Track(Task work)
    {
        lock (_gate)
        {
            _tasks.Add(work);
        }

        _ = work.ContinueWith(
            done =>
            {
                lock (_gate)
                {
                    _tasks.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public Task WhenAllAsync()
    {
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _tasks];
        }

        return Task.WhenAll(pending).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
