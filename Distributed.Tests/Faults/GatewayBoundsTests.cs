using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Distributed.Messaging;
using Distributed.Tests.Integration;

namespace Distributed.Tests.Faults;

/// <summary>
/// The gateway's cost per request is bounded by what clients send, not by what they claim: a
/// gateway of its own (started by hand against a nats-server of the test's) faces 500 connections
/// that each announce a 1 MiB body and send one byte of it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync")]
public sealed class GatewayBoundsTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int SlowClients = 500;
    private const int ConcurrencyLimit = 256;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("distributed-gateway").FullName;
    private readonly int _port = ServiceByHand.FreePort();
    private StandaloneNats _nats = null!;
    private ManagedProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        _nats = await StandaloneNats.StartAsync();
        _gateway = ServiceByHand.Create("Distributed.Gateway", "gateway",
            new Dictionary<string, string>
            {
                ["NATS_URL"] = _nats.UrlFor(NatsIdentities.Gateway),
                ["GATEWAY_ADDR"] = $"127.0.0.1:{_port}",
                ["GATEWAY_MAX_CONCURRENT_REQUESTS"] = ConcurrencyLimit.ToString(CultureInfo.InvariantCulture),
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            },
            Path.Combine(_directory, "gateway.log"));
        _gateway.Start();
        await ServiceByHand.WaitHealthyAsync(_port, Deadline);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _nats.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Slow_clients_claiming_a_mebibyte_each_neither_reserve_it_nor_exceed_the_concurrency_limit()
    {
        using var client = Client();
        // Warm: the code paths of a real submission are loaded before the baseline.
        for (var i = 0; i < 20; i++)
        {
            await client.SubmitAsync("warm", $$"""{"n":{{i}}}""");
        }

        var baseline = ResidentBytes();
        var allocatedBefore = await AllocatedBytesAsync(client);
        var connections = new List<TcpClient>();
        try
        {
            var header = Encoding.ASCII.GetBytes(
                $"POST /tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {1024 * 1024}\r\n\r\n{{");
            for (var i = 0; i < SlowClients; i++)
            {
                var connection = new TcpClient();
                connections.Add(connection);
                await connection.ConnectAsync(IPAddress.Loopback, _port);
                await connection.GetStream().WriteAsync(header);
            }

            // Once every client beyond the limit has its answer, the rest are all inside the handler, holding their bodies.
            var answers = connections.Select(ReadResponseHeadAsync).ToList();
            var refused = await Eventually.MatchAsync(
                () => Task.FromResult(answers.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result).ToList()),
                done => done.Count >= SlowClients - ConcurrencyLimit,
                Deadline,
                $"{SlowClients - ConcurrencyLimit} clients refused");
            // …and the gateway's own count of leases says they have entered the handler.
            await Eventually.MatchAsync(() => LeasesHeldAsync(client), leases => leases == ConcurrencyLimit, Deadline,
                $"{ConcurrencyLimit} submissions holding a lease");
            var held = ResidentBytes() - baseline;
            var allocated = await AllocatedBytesAsync(client) - allocatedBefore;

            output.WriteLine($"{SlowClients} slow clients: {refused.Count} refused, allocated {allocated / 1024} KiB, resident +{held / 1024} KiB");
            Assert.Equal(SlowClients - ConcurrencyLimit, refused.Count);
            Assert.All(refused, head =>
            {
                Assert.StartsWith("HTTP/1.1 503", head, StringComparison.Ordinal);
                Assert.Contains("Retry-After: 2", head, StringComparison.OrdinalIgnoreCase);
                Assert.Contains("application/problem+json", head, StringComparison.Ordinal);
            });
            // 256 requests that claimed 1 MiB each would take 256 MiB if the claim were reserved
            // (allocated at once; resident as soon as the pages are reused).
            Assert.True(allocated < 32L * 1024 * 1024, $"the gateway allocated {allocated / (1024 * 1024)} MiB for {SlowClients} slow clients");
            Assert.True(held < 64L * 1024 * 1024, $"the gateway grew by {held / (1024 * 1024)} MiB while {ConcurrencyLimit} slow clients were held");
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }

        // Their permits come back with their connections: the gateway takes tasks again.
        await Eventually.MatchAsync(async () =>
        {
            using var content = new StringContent("""{"task_type":"after","data":1}""", Encoding.UTF8, "application/json");
            return (await client.PostAsync(new Uri("/tasks", UriKind.Relative), content)).StatusCode;
        }, status => status == HttpStatusCode.Accepted, Deadline, "a 202 once the slow clients left");
    }

    /// <summary>The status line and headers of the one response this connection gets.</summary>
    private static async Task<string> ReadResponseHeadAsync(TcpClient connection)
    {
        var head = new StringBuilder();
        var buffer = new byte[4096];
        var stream = connection.GetStream();
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return head.ToString();
    }

    /// <summary>Every byte the gateway's managed heap has handed out since it started (the runtime's own counter).</summary>
    private static Task<long> AllocatedBytesAsync(HttpClient client) => MetricAsync(client, "dotnet_gc_heap_total_allocated_bytes_total");

    /// <summary>Submissions inside the handler: ASP.NET Core's rate limiter counts the leases it has given.</summary>
    private static Task<long> LeasesHeldAsync(HttpClient client) => MetricAsync(client, "aspnetcore_rate_limiting_active_request_leases");

    private static async Task<long> MetricAsync(HttpClient client, string name)
    {
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var line = metrics.Split('\n').Single(l => l.StartsWith(name + "{", StringComparison.Ordinal));
        return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private long ResidentBytes()
    {
        var status = File.ReadAllLines($"/proc/{_gateway.ProcessId}/status");
        var kilobytes = status.Single(line => line.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
    }

    private HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(15) };
}
