namespace Distributed.Tests.Faults;

/// <summary>
/// A test class that starts processes of its own in a directory of its own: what it started is
/// stopped (last first) and the directory removed, also when its start failed half-way, which
/// xunit does not dispose.
/// </summary>
public abstract class StartedProcesses(string directoryPrefix) : IAsyncLifetime
{
    private readonly Stack<IAsyncDisposable> _started = new();

    /// <summary>Where its processes keep their files and logs.</summary>
    protected string WorkDirectory { get; } = Directory.CreateTempSubdirectory(directoryPrefix).FullName;

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the processes, each handed to <see cref="Track{T}"/> as it is made.</summary>
    protected abstract Task StartAsync();

    /// <summary>Stopped when the class is done with, whatever happened.</summary>
    protected T Track<T>(T part)
        where T : IAsyncDisposable
    {
        _started.Push(part);
        return part;
    }

    public virtual async Task DisposeAsync()
    {
        while (_started.TryPop(out var part))
        {
            await part.DisposeAsync();
        }

        Directory.Delete(WorkDirectory, recursive: true);
    }
}
