using Distributed.AppHost.Infrastructure;
namespace Distributed.Tests;

/// <summary>A small disk of a test's own (tmpfs, so the suite runs as root): filled, it runs out of space without touching the machine's.</summary>
public static class SmallDisk
{
    public static void Mount(string directory, long bytes)
    {
        Directory.CreateDirectory(directory);
        var (exitCode, output) = LocalCommand.Check("mount", ["-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", directory]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"mount tmpfs on {directory}: {output}");
        }
    }

    /// <summary>Lazily: a process of the test that still holds a file there does not keep the mount alive.</summary>
    public static void Unmount(string directory) => LocalCommand.Check("umount", ["--lazy", directory]);
}
