using System.Net;
using System.Net.Sockets;

namespace Distributed.Tests.Faults;

/// <summary>A service started as a person starts it by hand: its built assembly, the spec's variables, a port of its own.</summary>
public static class ServiceByHand
{
    public static ManagedProcess Create(string project, string name, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        return new ManagedProcess(name, dotnet, [RepositoryPaths.ServiceAssembly(project)], environment, logFile);
    }

    /// <summary>Waits until the service's /health answers 200.</summary>
    public static async Task WaitHealthyAsync(int port, TimeSpan deadline)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        await Integration.Eventually.MatchAsync(async () => (await client.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode,
            status => status == HttpStatusCode.OK, deadline, $"the service on port {port} to be healthy");
    }

    /// <summary>A loopback port free at the time, so nothing else on the machine answers in the service's place.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
