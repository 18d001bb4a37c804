using System.Diagnostics;
using System.Globalization;
using Distributed.AppHost.Infrastructure;

namespace Distributed.Tests.Faults;

/// <summary>
/// Machines of a test's own: one network namespace per host, each with its own address on a
/// private bridge, so that a link between two of them can be cut or made lossy with iptables
/// while everything else keeps talking. The test itself reaches every host through the bridge.
/// Packets are dropped, never refused: a cut looks like a pulled cable, not a closed port.
/// </summary>
public sealed class PrivateNetwork : IAsyncDisposable
{
    // Interface names are at most 15 characters: the prefix and this process's id keep a
    // crashed run's leftovers recognisable, so the next run can remove them.
    private const string Prefix = "dsf";
    private const string FaultChain = "FAULTS";
    private static readonly string[] Tables = ["INPUT", "OUTPUT"];

    private readonly Dictionary<string, (string Namespace, string Address)> _hosts = [];
    private readonly string _bridge;
    private readonly int _subnet;

    private PrivateNetwork()
    {
        _bridge = $"{Prefix}{Environment.ProcessId}b";
        // One /24 per run, away from the 10.0–10.199 ranges that machines and containers tend to use.
        _subnet = 200 + Random.Shared.Next(50);
    }

    /// <summary>The test's own address on the bridge, the one the hosts see its connections come from.</summary>
    public string TestAddress => $"10.{_subnet}.0.1";

    /// <summary>The network every host and the test share, for a server's allow-list.</summary>
    public string Cidr => $"10.{_subnet}.0.0/24";

    /// <summary>Whether this machine lets the test make namespaces and firewall rules (root, ip, iptables).</summary>
    private static string? Unavailable()
    {
        if (Environment.UserName != "root")
        {
            return "network namespaces need root";
        }

        return LocalExecutables.Find("ip") is null ? "ip (iproute2) is not installed"
            : LocalExecutables.Find("iptables") is null ? "iptables is not installed (./scripts/install-deps.sh installs it)"
            : null;
    }

    public static async Task<PrivateNetwork> CreateAsync(IReadOnlyList<string> hosts)
    {
        if (Unavailable() is { } reason)
        {
            throw new InvalidOperationException($"The network fault tests cannot run here: {reason}.");
        }

        await RemoveLeftoversAsync();
        var network = new PrivateNetwork();
        try
        {
            await RunAsync("ip", "link", "add", network._bridge, "type", "bridge");
            await RunAsync("ip", "addr", "add", network.TestAddress + "/24", "dev", network._bridge);
            await RunAsync("ip", "link", "set", network._bridge, "up");
            for (var i = 0; i < hosts.Count; i++)
            {
                await network.AddHostAsync(hosts[i], i + 2);
            }

            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    public string AddressOf(string host) => _hosts[host].Address;

    /// <summary>The command line that runs a program on <paramref name="host"/>: <c>ip netns exec</c> replaces itself with it, so signals reach the program.</summary>
    public (string FileName, IReadOnlyList<string> Arguments) Inside(string host, string fileName, IReadOnlyList<string> arguments) =>
        (LocalExecutables.Find("ip")!, [.. new[] { "netns", "exec", _hosts[host].Namespace, fileName }, .. arguments]);

    /// <summary>Every packet between the two hosts is dropped, both ways, without a reset.</summary>
    public Task CutAsync(string host, string peer) => DropAsync(host, peer, probability: 1.0);

    /// <summary>
    /// Packets between the two hosts are dropped at random, both ways. Rules go into
    /// <paramref name="host"/>'s own firewall, so the peer's other links are untouched.
    /// </summary>
    public async Task DropAsync(string host, string peer, double probability)
    {
        var peerAddress = AddressOf(peer);
        string[] chance = probability >= 1.0
            ? []
            : ["-m", "statistic", "--mode", "random", "--probability", probability.ToString("0.###", CultureInfo.InvariantCulture)];
        await IptablesAsync(host, ["-A", FaultChain, "-s", peerAddress, .. chance, "-j", "DROP"]);
        await IptablesAsync(host, ["-A", FaultChain, "-d", peerAddress, .. chance, "-j", "DROP"]);
    }

    /// <summary>Every link of <paramref name="host"/> works again.</summary>
    public Task HealAsync(string host) => IptablesAsync(host, ["-F", FaultChain]);

    private async Task AddHostAsync(string host, int index)
    {
        var name = $"{Prefix}-{Environment.ProcessId}-{host}";
        var hostSide = $"{Prefix}{Environment.ProcessId}v{index}";
        var address = $"10.{_subnet}.0.{index}";
        await RunAsync("ip", "netns", "add", name);
        _hosts[host] = (name, address);
        await RunAsync("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", name);
        await RunAsync("ip", "link", "set", hostSide, "master", _bridge, "up");
        await RunAsync("ip", "-n", name, "addr", "add", address + "/24", "dev", "eth0");
        await RunAsync("ip", "-n", name, "link", "set", "eth0", "up");
        await RunAsync("ip", "-n", name, "link", "set", "lo", "up");
        await IptablesAsync(host, ["-N", FaultChain]);
        foreach (var table in Tables)
        {
            await IptablesAsync(host, ["-A", table, "-j", FaultChain]);
        }
    }

    private Task IptablesAsync(string host, IReadOnlyList<string> arguments) =>
        RunAsync("ip", ["netns", "exec", _hosts[host].Namespace, "iptables", "-w", .. arguments]);

    public async ValueTask DisposeAsync()
    {
        foreach (var (name, _) in _hosts.Values)
        {
            await RemoveNamespaceAsync(name);
        }

        await TryRunAsync("ip", "link", "del", _bridge);
    }

    /// <summary>Namespaces and bridges of an earlier run whose process is gone (it crashed before cleaning up).</summary>
    private static async Task RemoveLeftoversAsync()
    {
        var (_, namespaces) = await TryRunAsync("ip", "netns", "list");
        foreach (var line in namespaces.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (name.StartsWith(Prefix + "-", StringComparison.Ordinal) && OwnerIsGone(name.Split('-')[1]))
            {
                await RemoveNamespaceAsync(name);
            }
        }

        var (_, links) = await TryRunAsync("ip", "-o", "link", "show", "type", "bridge");
        foreach (var line in links.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(':', StringSplitOptions.TrimEntries)[1];
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith('b') && OwnerIsGone(name[Prefix.Length..^1]))
            {
                await TryRunAsync("ip", "link", "del", name);
            }
        }
    }

    private static bool OwnerIsGone(string pid) =>
        int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != Environment.ProcessId && !Directory.Exists($"/proc/{id}");

    private static async Task RemoveNamespaceAsync(string name)
    {
        // A namespace outlives its processes' sockets only as long as they run: stop them first.
        var (_, pids) = await TryRunAsync("ip", "netns", "pids", name);
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await TryRunAsync("kill", "-KILL", pid.Trim());
        }

        await TryRunAsync("ip", "netns", "del", name);
    }

    private static async Task RunAsync(string command, params IReadOnlyList<string> arguments)
    {
        var (exitCode, output) = await TryRunAsync(command, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({exitCode}): {output}");
        }
    }

    private static async Task<(int ExitCode, string Output)> TryRunAsync(string command, params IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + await errors);
    }
}
