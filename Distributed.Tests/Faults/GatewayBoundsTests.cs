using Distributed.Contracts;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Distributed.AppHost.Infrastructure;
using Distributed.Messaging;
using Distributed.ServiceDefaults.Http;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Distributed.Tests.Integration;

namespace Distributed.Tests.Faults;

/// <summary>
/// What a gateway of its own (started by hand against a nats-server of the test's) spends on a
/// request is bounded whatever clients and NATS do: a body slower than the floor is cut off and holds
/// no submission slot meanwhile; its memory follows what clients send, not what they claim; its
/// answer comes by a deadline, whether or not NATS answers.
/// </summary>
public sealed class GatewayBoundsTests(Xunit.Abstractions.ITestOutputHelper output) : StartedProcesses("distributed-gateway")
{
    private const int SlowClients = 300;
    private const int ConcurrencyLimit = 256;
    private const int AnswerDeadlineMs = 2000;
    private const int IdempotencyWindowSeconds = 2;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly int _port = ProcessLauncher.FreePort();
    private readonly int _metricsPort = ProcessLauncher.FreePort();
    private StandaloneNats _nats = null!;
    private ManagedProcess _gateway = null!;

    protected override async Task StartAsync()
    {
        _nats = Track(await StandaloneNats.StartAsync());
        await _nats.ProvisionAsync(new TopologySettings { IdempotencyWindowSeconds = IdempotencyWindowSeconds });
        var gateway = PipelineServices.Gateway;
        _gateway = Track(ProcessLauncher.Service(gateway, "gateway",
            ProcessLauncher.ServiceEnvironment(gateway, _nats.UrlFor(gateway.Identity), $"127.0.0.1:{_port}",
                ("GATEWAY_MAX_CONCURRENT_REQUESTS", ConcurrencyLimit.ToString(CultureInfo.InvariantCulture)),
                ("GATEWAY_ANSWER_DEADLINE_MS", AnswerDeadlineMs.ToString(CultureInfo.InvariantCulture)),
                ("IDEMPOTENCY_WINDOW_SECONDS", IdempotencyWindowSeconds.ToString(CultureInfo.InvariantCulture)),
                // As deployed: /metrics on a port of its own, which no public port leads to.
                (ListenAddressExtensions.MetricsPortVariable, _metricsPort.ToString(CultureInfo.InvariantCulture))),
            Path.Combine(WorkDirectory, "gateway.log")));
        _gateway.Start();
        await ProcessLauncher.WaitHealthyAsync(_port, Deadline);
    }

    [Fact]
    public async Task Metrics_are_served_on_their_own_port_and_not_on_the_apis()
    {
        using var api = Client();
        using (var onApi = await api.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, onApi.StatusCode);
        }

        Assert.True(await AllocatedBytesAsync() > 0);
        // Probes keep working on the API's port.
        using var health = await api.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Slow_bodies_are_cut_off_by_the_floor_and_ordinary_submissions_are_accepted_throughout()
    {
        using var client = Client();
        // Warm: the code paths of a real submission are loaded before the baseline.
        for (var i = 0; i < 20; i++)
        {
            await client.SubmitAsync("warm", $$"""{"n":{{i}}}""");
        }

        var allocatedBefore = await AllocatedBytesAsync();
        var connections = new List<TcpClient>();
        using var stopTrickling = new CancellationTokenSource();
        try
        {
            // More clients than there are submission slots, each announcing 1 MiB and sending 300 bytes a
            // second: 90 KB/s in all, which held every slot for 40 s under Kestrel's default floor.
            var header = Encoding.ASCII.GetBytes(
                $"POST /tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {1024 * 1024}\r\n\r\n{{");
            var started = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < SlowClients; i++)
            {
                var connection = new TcpClient();
                connections.Add(connection);
                await connection.ConnectAsync(IPAddress.Loopback, _port);
                await connection.GetStream().WriteAsync(header);
            }

            var trickling = TrickleAsync(connections, stopTrickling.Token);
            var answers = connections.Select(async connection => (Head: await ReadResponseHeadAsync(connection), At: started.Elapsed)).ToList();

            // While they trickle, ordinary submissions (ten a second) are taken as if they were not there.
            var ordinary = new List<HttpStatusCode>();
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while (started.Elapsed < Gateway.RequestLimits.BodyGrace * 3 && await pace.WaitForNextTickAsync())
            {
                using var response = await client.PostTaskAsync("ordinary", ordinary.Count, key: null);
                ordinary.Add(response.StatusCode);
            }

            // Each slow body is cut off by the floor: its 408, or its connection closed, soon after the grace period.
            var cutOff = Gateway.RequestLimits.BodyGrace + TimeSpan.FromSeconds(4);
            var cut = await Task.WhenAll(answers).WaitAsync(TimeSpan.FromSeconds(30));
            var heads = cut.Select(answer => answer.Head).ToList();
            var lastCutAfter = cut.Max(answer => answer.At);
            var allocated = await AllocatedBytesAsync() - allocatedBefore;
            output.WriteLine($"{SlowClients} slow bodies: all cut off within {lastCutAfter.TotalSeconds:F1} s; {ordinary.Count} ordinary submissions meanwhile; allocated {allocated / 1024} KiB");

            Assert.NotEmpty(ordinary);
            Assert.All(ordinary, status => Assert.Equal(HttpStatusCode.Accepted, status));
            Assert.All(heads, head => Assert.True(head.Length == 0 || head.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), head));
            Assert.True(lastCutAfter < cutOff + TimeSpan.FromSeconds(3), $"the last slow body was cut off after {lastCutAfter.TotalSeconds:F1} s");
            // 300 requests that claimed 1 MiB each would take 300 MiB if the claim were reserved.
            Assert.True(allocated < 32L * 1024 * 1024, $"the gateway allocated {allocated / (1024 * 1024)} MiB for {SlowClients} slow clients");
            await stopTrickling.CancelAsync();
            await trickling;
        }
        finally
        {
            await stopTrickling.CancelAsync();
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>300 bytes a second on every connection still open, until told to stop.</summary>
    private static async Task TrickleAsync(List<TcpClient> connections, CancellationToken stop)
    {
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 300));
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var connection in connections)
                {
                    try
                    {
                        await connection.GetStream().WriteAsync(chunk, stop);
                    }
                    catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
                    {
                        // Cut off: what the test waits for.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [Fact]
    public async Task While_nats_is_paused_every_submission_is_answered_by_its_deadline_and_unknown_outcomes_name_their_task()
    {
        var taskType = "paused" + Guid.NewGuid().ToString("N")[..8];
        // An answer later than the deadline (plus a margin for this machine) fails the request.
        using var client = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_port}"),
            Timeout = TimeSpan.FromMilliseconds(AnswerDeadlineMs) + TimeSpan.FromSeconds(2),
        };
        await client.SubmitAsync(taskType, "0");

        await _nats.PauseAsync();
        List<HttpResponseMessage> answers;
        try
        {
            // Without a key the task is published and no ack comes back: outcome unknown. With a
            // key, the key's check does not answer first: not published, a plain 503.
            answers = [.. await Task.WhenAll(
                Enumerable.Range(1, 4).Select(i => client.PostTaskAsync(taskType, i, key: null))
                    .Append(client.PostTaskAsync(taskType, 5, key: "paused-key-" + taskType)))];
        }
        finally
        {
            await _nats.ResumeAsync();
        }

        var unknown = new List<Guid>();
        foreach (var answer in answers)
        {
            using (answer)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
                Assert.Equal("2", answer.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture));
                Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
                var problem = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
                if (problem.TryGetProperty("request_id", out var requestId))
                {
                    Assert.Equal("unknown", problem.GetProperty("outcome").GetString());
                    unknown.Add(requestId.GetGuid());
                }
            }
        }

        Assert.Equal(4, unknown.Count);

        // Healed: the gateway takes tasks again within seconds, and the keyed retry is stored once.
        await Eventually.MatchAsync(async () => (await client.PostTaskAsync(taskType, 5, "paused-key-" + taskType)).StatusCode,
            status => status == HttpStatusCode.Accepted, TimeSpan.FromSeconds(15), "a 202 after NATS came back");

        // An unknown outcome was a real uncertainty: the tasks that left before the pause are stored, once each.
        await using var admin = _nats.ConnectAsOperator();
        var stored = await Eventually.MatchAsync(
            async () => (await new NatsJSContext(admin).GetStreamAsync(Contracts.JetStreamNames.TasksStream,
                new StreamInfoRequest { SubjectsFilter = Contracts.Subjects.Task(taskType) })).Info.State.Subjects?.Values.Sum() ?? 0,
            count => count == 1 + unknown.Count + 1,
            Deadline,
            "the first task, the unknown ones and the keyed retry stored once each");
        Assert.Equal(6, stored);
    }

    [Fact]
    public async Task A_key_reused_with_another_body_after_its_window_is_a_new_task_never_a_silent_drop()
    {
        var taskType = "reused" + Guid.NewGuid().ToString("N")[..8];
        var key = "reused-" + taskType;
        using var client = Client();

        var first = await AcceptedIdAsync(await client.PostTaskAsync(taskType, 1, key));
        using (var within = await client.PostTaskAsync(taskType, 2, key))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, within.StatusCode);
        }

        // Past the window the gateway has forgotten the key (its bucket entry expired)…
        await using var admin = _nats.ConnectAsOperator();
        var bucket = await new NATS.Client.KeyValueStore.NatsKVContext(new NatsJSContext(admin)).GetStoreAsync(IdempotencyBucket.Name);
        await Eventually.MatchAsync(
            async () => (await bucket.TryGetEntryAsync<string>(Gateway.IdempotencyKey.ToKeyId(ClientIdRule.Anonymous, key).ToString("N"))).Success,
            remembered => !remembered, Deadline, "the key's window to pass");

        // …so the other body is a task of its own, under its own request id (the old id would have
        // been dropped by the results' unique key), and a retry of it is still that one task.
        var second = await AcceptedIdAsync(await client.PostTaskAsync(taskType, 2, key));
        var retried = await AcceptedIdAsync(await client.PostTaskAsync(taskType, 2, key));
        Assert.NotEqual(first, second);
        Assert.Equal(second, retried);
        var tasks = await Eventually.MatchAsync(
            async () => (await new NatsJSContext(admin).GetStreamAsync(Contracts.JetStreamNames.TasksStream,
                new StreamInfoRequest { SubjectsFilter = Contracts.Subjects.Task(taskType) })).Info.State.Subjects?.Values.Sum() ?? 0,
            count => count >= 2, Deadline, "both tasks in the stream");
        Assert.Equal(2, tasks);
    }

    private static async Task<Guid> AcceptedIdAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetGuid();
        }
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
    private Task<long> AllocatedBytesAsync() => MetricAsync("dotnet_gc_heap_total_allocated_bytes_total");


    private async Task<long> MetricAsync(string name)
    {
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_metricsPort}") };
        var metrics = await scraper.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var line = metrics.Split('\n').Single(l => l.StartsWith(name + "{", StringComparison.Ordinal));
        return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(15) };
}
