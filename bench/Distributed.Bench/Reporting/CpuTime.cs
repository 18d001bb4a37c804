using System.Globalization;

namespace Distributed.Bench.Reporting;

/// <summary>CPU seconds (user + system) a set of processes has used so far, from /proc/&lt;pid&gt;/stat.</summary>
public static class CpuTime
{
    private const double ClockTicksPerSecond = 100; // USER_HZ, the same on every Linux this runs on

    public static double Seconds(IEnumerable<int> pids) => pids.Sum(pid => TryTicks(pid, out var ticks) ? ToSeconds(ticks) : 0);

    public static double ToSeconds(long ticks) => ticks / ClockTicksPerSecond;

    public static bool TryTicks(int pid, out long ticks)
    {
        ticks = 0;
        try
        {
            // Fields after the parenthesised name: state is the 3rd, utime the 14th, stime the 15th.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }
}
