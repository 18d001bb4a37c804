using System.Diagnostics;
using System.Globalization;

namespace Distributed.Bench.Reporting;

/// <summary>
/// CPU time and resident memory of every part of the topology on this machine, read from /proc
/// once a second: CPU seconds spent during the run (per task, it is each stage's cost) and RSS
/// over time (its peak, and whether it grows).
/// </summary>
public sealed class ProcessMonitor
{
    private readonly Dictionary<int, PidTrack> _pids = [];
    private readonly List<(double Seconds, Dictionary<string, double> RssMiB)> _rssSeries = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Sample();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
        }

        Sample();
    }

    public IReadOnlyList<ComponentUsage> Usage()
    {
        var elapsed = _clock.Elapsed.TotalSeconds;
        return _pids.Values
            .GroupBy(p => p.Component)
            .Select(g => new ComponentUsage(
                g.Key,
                g.Select(p => p.Pid).Distinct().Count(),
                g.Sum(p => p.CpuSeconds),
                g.Sum(p => p.CpuSeconds) / Math.Max(elapsed, 0.001),
                g.Max(p => p.PeakRssMiB),
                _rssSeries.Count == 0 ? 0 : _rssSeries.Max(s => s.RssMiB.GetValueOrDefault(g.Key)),
                RssSeries(g.Key)))
            .OrderByDescending(u => u.CpuSeconds)
            .ToList();
    }

    private List<double[]> RssSeries(string component) =>
        _rssSeries.Select(s => new[] { Math.Round(s.Seconds, 1), Math.Round(s.RssMiB.GetValueOrDefault(component), 1) }).ToList();

    private void Sample()
    {
        var rss = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            var component = _pids.TryGetValue(pid, out var known) ? known.Component : Classify(pid);
            if (component is null || !TryRead(pid, out var ticks, out var rssMiB))
            {
                continue;
            }

            if (known is null)
            {
                known = new PidTrack(pid, component, ticks);
                _pids[pid] = known;
            }

            known.Update(ticks, rssMiB);
            rss[component] = rss.GetValueOrDefault(component) + rssMiB;
        }

        _rssSeries.Add((_clock.Elapsed.TotalSeconds, rss));
    }

    /// <summary>Which part of the topology a process is, by its executable (and dll, under dotnet).</summary>
    private static string? Classify(int pid)
    {
        string[] argv;
        string comm;
        try
        {
            argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        if (pid == Environment.ProcessId)
        {
            return "bench";
        }

        if (argv.Length == 0)
        {
            return null;
        }

        var program = Path.GetFileName(argv[0]);
        if (program == "dotnet" && argv.Length > 1 && argv[1].EndsWith(".dll", StringComparison.Ordinal))
        {
            program = Path.GetFileNameWithoutExtension(argv[1]);
        }

        return program switch
        {
            "Distributed.Gateway" => "gateway",
            "Distributed.Processor" => "processor",
            "Distributed.Enricher" => "enricher",
            "Distributed.Aggregator" => "aggregator",
            "Distributed.AppHost" => "apphost",
            "Distributed.Bench" => "bench-server",
            "nats-server" => "nats-server",
            "Aspire.Dashboard" => "dashboard",
            "dcp" => "dcp",
            "prometheus" => "prometheus",
            _ when comm == "postgres" => "postgres",
            _ => null,
        };
    }

    private static bool TryRead(int pid, out long ticks, out double rssMiB)
    {
        ticks = 0;
        rssMiB = 0;
        try
        {
            if (!CpuTime.TryTicks(pid, out ticks))
            {
                return false;
            }

            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rssMiB = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }

    private sealed class PidTrack(int pid, string component, long firstTicks)
    {
        private readonly long _firstTicks = firstTicks;
        private long _lastTicks = firstTicks;

        public int Pid => pid;

        public string Component => component;

        public double PeakRssMiB { get; private set; }

        public double CpuSeconds => CpuTime.ToSeconds(_lastTicks - _firstTicks);

        public void Update(long ticks, double rssMiB)
        {
            _lastTicks = ticks;
            PeakRssMiB = Math.Max(PeakRssMiB, rssMiB);
        }
    }
}

/// <summary>One part of the topology over a run: CPU seconds used, cores busy on average, peak RSS.</summary>
public sealed record ComponentUsage(
    string Component,
    int Processes,
    double CpuSeconds,
    double Cores,
    double PeakRssMiBPerProcess,
    double PeakRssMiBTotal,
    IReadOnlyList<double[]> RssMiBSeries);
