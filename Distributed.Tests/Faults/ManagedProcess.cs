using System.Diagnostics;

namespace Distributed.Tests.Faults;

/// <summary>
/// One part of the topology as an OS process that a test can kill (-9), stop (SIGTERM) and
/// start again, with its output appended to a log file.
/// </summary>
public sealed class ManagedProcess(string name, string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string logFile)
    : IAsyncDisposable
{
    // Inherited variables that would change how a service binds or what it connects to.
    private static readonly string[] ScrubbedVariables =
        ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "HTTP_PORTS", "URLS", "NATS_URL", "DATABASE_URL", "DATABASE_OWNER_URL", "DATABASE_READER_URL", "GATEWAY_ADDR",
         "AGGREGATOR_ADDR", "METRICS_ADDR", "OTEL_EXPORTER_OTLP_ENDPOINT", "ConnectionStrings__nats", "ConnectionStrings__aggregator",
         "ConnectionStrings__aggregator_owner", "ConnectionStrings__aggregator_reader"];

    private readonly Lock _logGate = new();
    private Process? _process;

    public string Name { get; } = name;

    public string LogFile { get; } = logFile;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running process's id, to tell a process that kept running from one started again.</summary>
    public int? ProcessId => IsRunning ? _process!.Id : null;

    public int? LastExitCode { get; private set; }

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running");
        }

        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var variable in ScrubbedVariables)
        {
            info.Environment.Remove(variable);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        Append($"----- {DateTimeOffset.UtcNow:O} starting {Name}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL: no chance to clean up, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Append($"----- {DateTimeOffset.UtcNow:O} kill -9 {Name}");
        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync();
        LastExitCode = process.ExitCode;
    }

    /// <summary>SIGSTOP: the process holds its sockets open and answers nothing, as a hung or paused machine does.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT: a paused process carries on where it stopped.</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    private async Task SignalAsync(string signal)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        // The process and its children: PostgreSQL's backends, for one, are the postmaster's
        // children and would otherwise go on answering on their connections.
        Append($"----- {DateTimeOffset.UtcNow:O} SIG{signal} {Name} and its children");
        var pid = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var parent = Process.Start("kill", [$"-{signal}", pid]))
        {
            await parent.WaitForExitAsync();
        }

        using var children = Process.Start("pkill", [$"-{signal}", "-P", pid]);
        await children.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then waits for the process to exit by itself.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        if (_process is not { HasExited: false } process)
        {
            return LastExitCode ?? 0;
        }

        Append($"----- {DateTimeOffset.UtcNow:O} SIGTERM {Name}");
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Name} did not exit within {within.TotalSeconds} s of SIGTERM");
        }

        LastExitCode = process.ExitCode;
        return process.ExitCode;
    }

    public string ReadLog()
    {
        lock (_logGate)
        {
            return File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            File.AppendAllText(LogFile, line + Environment.NewLine);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}
