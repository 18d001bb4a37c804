using System.ComponentModel;
using System.Diagnostics;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// Runs a program of this machine and waits for it: a short question at start-up (<c>docker info</c>,
/// <c>nats-server --version</c>), or a check of a file the way that program reads it
/// (<c>nats-server -t</c>, <c>promtool</c>, <c>sh -n</c>) in the tests.
/// </summary>
public static class LocalCommand
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>The program's standard output when it exits 0 within a few seconds; null when it is missing, fails or hangs.</summary>
    public static string? Run(string command, string arguments)
    {
        try
        {
            var (exitCode, output, _) = Execute(command, ParseArguments(arguments), environment: null, Patience);
            return exitCode == 0 ? output : null;
        }
        catch (Win32Exception)
        {
            return null; // not installed
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>The program's exit code and everything it wrote (standard output, then standard error).</summary>
    public static (int ExitCode, string Output) Check(
        string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? patience = null)
    {
        var (exitCode, output, errors) = Execute(command, arguments, environment, patience ?? TimeSpan.FromMinutes(2));
        return (exitCode, output + errors);
    }

    private static (int ExitCode, string Output, string Errors) Execute(
        string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan patience)
    {
        var info = new ProcessStartInfo(command, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new Win32Exception($"{command} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(patience))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not exit within {patience.TotalSeconds:F0} s");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, errors.Result);
    }

    private static string[] ParseArguments(string arguments) =>
        arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
