using System.Diagnostics;

namespace Distributed.AppHost.Infrastructure;

public enum InfrastructureMode
{
    /// <summary>NATS and PostgreSQL as containers (Docker or Podman answers).</summary>
    Containers,

    /// <summary>NATS and PostgreSQL as local processes from the machine's packages.</summary>
    Local,
}

public static class InfrastructureModeDetector
{
    /// <summary><c>DISTRIBUTED_INFRA=local|containers</c> wins; otherwise containers when a runtime answers.</summary>
    public static InfrastructureMode Resolve(string? configured) => configured?.Trim().ToLowerInvariant() switch
    {
        "local" => InfrastructureMode.Local,
        "containers" or "container" => InfrastructureMode.Containers,
        null or "" or "auto" => ContainerRuntimeAnswers() ? InfrastructureMode.Containers : InfrastructureMode.Local,
        var other => throw new InvalidOperationException($"DISTRIBUTED_INFRA must be 'local', 'containers' or 'auto', not '{other}'."),
    };

    private static bool ContainerRuntimeAnswers() => Answers("docker") || Answers("podman");

    private static bool Answers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
