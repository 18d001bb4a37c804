using System.Runtime.InteropServices;

namespace Distributed.Bench.Ceilings;

/// <summary>Pauses and resumes processes (SIGSTOP/SIGCONT), to measure one stage while the next ones do nothing.</summary>
internal static partial class ProcessSignals
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    public static IReadOnlyList<int> FindByExecutable(string name)
    {
        var pids = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    if (Path.GetFileName(File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0]) == name)
                    {
                        pids.Add(pid);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        return pids;
    }

    public static void Pause(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            _ = Kill(pid, SigStop);
        }
    }

    public static void Resume(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            _ = Kill(pid, SigCont);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
