using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distributed.AppHost.Experiments;

/// <summary>kill -9 of one resource instance (a replica, a NATS node), found by the process id Aspire shows for it.</summary>
public static class ProcessKill
{
    /// <summary>The process id Aspire shows for an executable or project instance.</summary>
    private const string PidProperty = "executable.pid";

    public static Task<ExecuteCommandResult> KillAsync(ExecuteCommandContext context, string consequence)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var current)
            || current.Snapshot.Shown(PidProperty) is not { } pidText
            || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return Task.FromResult(CommandResults.Failure($"{context.ResourceName} has no running process."));
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            // The whole tree: a project runs under `dotnet run`, whose child must not outlive it.
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return Task.FromResult(CommandResults.Failure($"{context.ResourceName} (pid {pid}) is not running."));
        }

        context.Logger.LogWarning("Experiment: killed {Instance} (pid {Pid}) with SIGKILL; {Consequence}", context.ResourceName, pid, consequence);
        return Task.FromResult(CommandResults.Success($"Killed {context.ResourceName} (pid {pid}); {consequence}."));
    }
}
