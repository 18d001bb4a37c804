namespace Distributed.Tests.Faults;

/// <summary>
/// A test class that starts processes of its own: what it started is stopped, also when its start
/// failed half-way, which xunit does not dispose.
/// </summary>
public abstract class StartedProcesses : IAsyncLifetime
{
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

    /// <summary>Starts the processes; what is not started yet is null for <see cref="DisposeAsync"/>.</summary>
    protected abstract Task StartAsync();

    public abstract Task DisposeAsync();
}
