using System.ComponentModel;
using System.Diagnostics;

namespace Distributed.AppHost.Infrastructure;

/// <summary>Asks a program on this machine a short question (<c>docker info</c>, <c>nats-server --version</c>) at start-up.</summary>
public static class LocalCommand
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>The program's standard output when it exits 0 within a few seconds; null when it is missing, fails or hangs.</summary>
    public static string? Run(string command, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Patience))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.Result : null;
        }
        catch (Win32Exception)
        {
            return null; // not installed
        }
    }
}
