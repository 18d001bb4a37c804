using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace Distributed.Tests.Integration;

/// <summary>
/// The whole topology under the AppHost, with NATS's store on a small disk of its own (tmpfs):
/// the disk fills, then space comes back, and nobody restarts anything by hand.
/// </summary>
public sealed class SmallNatsDiskFixture : AppHostFixture
{
    public const long DiskBytes = 64L << 20;

    public string NatsDirectory => Path.Combine(StateDirectory, "nats");

    protected override IEnumerable<string> Settings =>
    [
        "NATS_PORT=16222",
        "NATS_MONITOR_PORT=16822",
        "POSTGRES_PORT=16432",
        "GATEWAY_ADDR=127.0.0.1:16000",
        "AGGREGATOR_ADDR=127.0.0.1:16001",
        "PROCESSOR_METRICS_PORT=16091",
        "ENRICHER_METRICS_PORT=16090",
        "PROMETHEUS_PORT=16092",
        "PROCESSOR_REPLICAS=1",
        "PROCESSING_DELAY_MS=5",
        "ENRICH_DELAY_MS=1",
    ];

    public override async Task InitializeAsync()
    {
        SmallDisk.Mount(NatsDirectory, DiskBytes);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        // Unmounted first: a mount point inside the state directory would stop its deletion halfway.
        SmallDisk.Unmount(NatsDirectory);
        await base.DisposeAsync();
    }
}

public sealed class FullNatsDiskTests(SmallNatsDiskFixture topology, ITestOutputHelper output) : IClassFixture<SmallNatsDiskFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly string Padding = new('x', 2000);

    [Fact]
    public async Task A_full_nats_disk_costs_503s_while_full_and_heals_by_itself_when_space_comes_back()
    {
        var taskType = "fulldisk" + Guid.NewGuid().ToString("N")[..6];
        var accepted = new List<Guid>();
        var answers = new Dictionary<HttpStatusCode, int>();
        using var client = new HttpClient { BaseAddress = topology.Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        // Submits until it has sent the count, or the gateway has refused three in a row; true if the last was taken.
        async Task<bool> SubmitAsync(int count)
        {
            var refusedInARow = 0;
            for (var i = 0; i < count && refusedInARow < 3; i++)
            {
                var body = $$$"""{"task_type":"{{{taskType}}}","data":{"n":{{{i}}},"pad":"{{{Padding}}}"}}""";
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(new Uri("/tasks", UriKind.Relative), content);
                answers[response.StatusCode] = answers.GetValueOrDefault(response.StatusCode) + 1;
                Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"answered {(int)response.StatusCode}");
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    accepted.Add(System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetGuid());
                    refusedInARow = 0;
                }
                else
                {
                    Assert.NotNull(response.Headers.RetryAfter);
                    refusedInARow++;
                }
            }

            return refusedInARow == 0;
        }

        Assert.True(await SubmitAsync(20));
        Assert.Equal(20, accepted.Count);

        // Something else fills the disk NATS writes to, to its last few hundred kilobytes.
        var filler = Path.Combine(topology.NatsDirectory, "filler");
        await using (var file = File.Create(filler))
        {
            var chunk = new byte[64 << 10];
            while (new DriveInfo(topology.NatsDirectory).AvailableFreeSpace > 256 << 10)
            {
                await file.WriteAsync(chunk);
                await file.FlushAsync();
            }
        }

        // Tasks keep coming until the gateway refuses them (it answers each within its deadline).
        Assert.False(await SubmitAsync(1000), "the gateway never refused a task on a full disk");
        var acceptedWhileFull = accepted.Count;

        // Space comes back.
        File.Delete(filler);
        var healing = Stopwatch.StartNew();
        await Eventually.MatchAsync(() => SubmitAsync(1), taken => taken, Deadline, "a 202 after space came back");
        var firstAccepted = healing.Elapsed;

        // Every task answered 202 is stored, once.
        foreach (var requestId in accepted)
        {
            await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(requestId), row => row is not null, Deadline, $"task {requestId}");
        }

        Assert.Equal(accepted.Count, (await topology.Aggregator.StatsAsync()).CountFor(taskType));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accepted {accepted.Count} ({acceptedWhileFull - 20} after the disk filled), answers {string.Join(", ", answers.Select(a => $"{(int)a.Key}: {a.Value}"))}; first 202 {firstAccepted.TotalSeconds:F1} s after space came back"));
    }
}
