using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Distributed.Tests.Integration;
using Xunit.Abstractions;
using Distributed.Load;

namespace Distributed.Tests.Faults;

/// <summary>
/// Every part of the topology on a machine of its own (a network namespace), so links between them
/// can fail, and PostgreSQL's data on a small disk of its own (tmpfs), so it can fill.
/// </summary>
public sealed class IsolatedProcesses() : LocalProcesses(isolated: true)
{
    private const long PostgresDiskBytes = 256L << 20;

    private string Ballast => Path.Combine(PostgresDisk, "ballast");

    public override async Task InitializeAsync()
    {
        SmallDisk.Mount(PostgresDisk, PostgresDiskBytes);
        try
        {
            await base.InitializeAsync();
        }
        catch
        {
            // A fixture that failed to start is not disposed by xunit: leave no namespace, process or mount behind.
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes every free byte of PostgreSQL's disk, as a log or a neighbour would.</summary>
    public void FillPostgresDisk()
    {
        // Written until the disk refuses even a page: PostgreSQL writes meanwhile, so no size
        // measured beforehand is right by the time it is allocated.
        using var ballast = new FileStream(Ballast, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        foreach (var size in new[] { 1 << 20, 4 << 10 })
        {
            var chunk = new byte[size];
            try
            {
                while (true)
                {
                    ballast.Write(chunk);
                }
            }
            catch (IOException)
            {
                // Full at this chunk size; the smaller one takes what is left.
            }
        }
    }

    public void FreePostgresDisk() => File.Delete(Ballast);

    public override async Task DisposeAsync()
    {
        // Unmounted first: a mount point inside the state directory would stop its deletion halfway.
        SmallDisk.Unmount(PostgresDisk);
        await base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class IsolatedProcessesCollection : ICollectionFixture<IsolatedProcesses>
{
    public const string Name = "isolated-processes";
}

/// <summary>
/// Faults between machines, one at a time, under a steady load from clients that do what the README
/// tells them (retry a 503 after its Retry-After with the same Idempotency-Key): links cut both ways
/// without a reset, packet loss, processes paused past the ack wait. Whatever fails, every request
/// is answered 202 or 503 with Retry-After, every accepted task is stored exactly once, no valid task
/// is dead-lettered, the first 202 comes within 15 s of healing, and nothing is restarted by hand.
/// <c>DISTRIBUTED_FAULT_SCALE</c> lengthens every outage (bench/network-faults-soak.sh runs them longer).
/// </summary>
[Collection(IsolatedProcessesCollection.Name)]
public sealed class NetworkFaultTests(IsolatedProcesses topology, ITestOutputHelper output)
{
    private const double LoadRate = 40; // tasks/s
    private static readonly TimeSpan SteadyLoad = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ClientRetriesFor = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan FirstAcceptedDeadline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(90);

    /// <summary>Past the processors' and the aggregator's ack wait (10 s), so JetStream redelivers what was held.</summary>
    private static readonly TimeSpan PastAckWait = TimeSpan.FromSeconds(13);

    private static readonly double Scale = double.TryParse(Environment.GetEnvironmentVariable("DISTRIBUTED_FAULT_SCALE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var scale) ? scale : 1;
    private static readonly FaultReport Report = new("network-faults.md",
        "fault", "tasks", "202 / 503 answers", "no answer", "slowest answer", "rows / distinct", "dead letters", "first 202 after healing", "everything accepted before healing stored");

    public static TheoryData<string> Faults => [.. FaultsByName.Keys];

    private static readonly Dictionary<string, Func<IsolatedProcesses, Task>> FaultsByName = new()
    {
        // Long enough that TCP's retransmission backoff alone would leave the link idle for over
        // 15 s after healing (retries about 12.6, 25.4 and 51 s in): only noticing the silence and
        // reconnecting brings the gateway back in time.
        ["gateway ↔ NATS cut"] = t => Outage(Scaled(30), () => t.Network!.CutAsync("gateway", "nats"), () => t.Network!.HealAsync("gateway")),
        ["processor-1 ↔ NATS cut past the ack wait"] = t => Outage(Scaled(PastAckWait), () => t.Network!.CutAsync("processor-1", "nats"), () => t.Network!.HealAsync("processor-1")),
        ["enricher ↔ NATS cut"] = t => Outage(Scaled(6), () => t.Network!.CutAsync("enricher", "nats"), () => t.Network!.HealAsync("enricher")),
        ["aggregator ↔ PostgreSQL cut 3 times"] = async t =>
        {
            for (var cut = 0; cut < 3; cut++)
            {
                await Outage(Scaled(5), () => t.Network!.CutAsync("aggregator", "postgres"), () => t.Network!.HealAsync("aggregator"));
                await Task.Delay(Scaled(2));
            }
        },
        ["30 % packet loss processors ↔ NATS"] = t => Outage(Scaled(8),
            async () =>
            {
                await t.Network!.DropAsync("processor-1", "nats", 0.3);
                await t.Network!.DropAsync("processor-2", "nats", 0.3);
            },
            async () =>
            {
                await t.Network!.HealAsync("processor-1");
                await t.Network!.HealAsync("processor-2");
            }),
        ["nats-server paused"] = t => Outage(Scaled(6), () => t["nats"].PauseAsync(), () => t["nats"].ResumeAsync()),
        ["PostgreSQL paused"] = t => Outage(Scaled(8), () => t["postgres"].PauseAsync(), () => t["postgres"].ResumeAsync()),
        ["PostgreSQL's disk full"] = t => Outage(Scaled(8), () => Task.Run(t.FillPostgresDisk), () => Task.Run(t.FreePostgresDisk)),
        ["processor-2 paused past the ack wait"] = t => Outage(Scaled(PastAckWait), () => t["processor-2"].PauseAsync(), () => t["processor-2"].ResumeAsync()),
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Every_request_is_answered_and_every_accepted_task_stored_once(string fault)
    {
        var processes = LocalProcesses.AllParts.ToDictionary(part => part, part => topology[part].ProcessId);
        var taskType = "net" + Guid.NewGuid().ToString("N")[..8];
        using var client = new HttpClient { BaseAddress = topology.Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var load = new OpenLoad(client, new OpenLoadOptions { TaskType = taskType, Rate = LoadRate, MaxInFlight = 4096, RetryFor = ClientRetriesFor });
        load.Start();
        TimeSpan healedAt;
        TimeSpan backlogStored;
        try
        {
            await Task.Delay(SteadyLoad);
            await FaultsByName[fault](topology);
            healedAt = load.Elapsed;
            var backlog = load.Snapshot().Accepted;
            await Eventually.MatchAsync(() => Task.FromResult(load.Snapshot().FirstAcceptedAfter(healedAt)), at => at is not null,
                DrainDeadline, "a 202 after healing");
            await topology.Aggregator.WaitUntilStoredAsync(taskType, backlog, DrainDeadline);
            backlogStored = load.Elapsed - healedAt;
            await Task.Delay(SteadyLoad);
        }
        finally
        {
            await HealEverythingAsync();
        }

        var report = await load.StopAsync();
        var firstAccepted = report.FirstAcceptedAfter(healedAt)!.Value - healedAt;
        var rows = await topology.Aggregator.WaitUntilStoredAsync(taskType, report.Accepted, DrainDeadline);
        var deadLetters = await DeadLettersOfAsync(taskType);
        Record(fault, report, rows, deadLetters, firstAccepted, backlogStored);

        // What a client saw: an answer, in time, that it can act on.
        Assert.Equal(0, report.Unanswered);
        Assert.All(report.Statuses.Keys, status => Assert.Contains(status, new[] { HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable }));
        Assert.Equal(0, report.RetryAfterMissing);
        Assert.All(report.UnavailableMediaTypes, media => Assert.Equal("application/problem+json", media));
        Assert.All(report.OutcomeUnknownBodies, body => Assert.True(JsonDocument.Parse(body).RootElement.TryGetProperty("request_id", out _), body));
        Assert.Equal(0, report.GaveUp);
        Assert.True(report.Accepted.Count > 100, $"only {report.Accepted.Count} tasks accepted: the load did not run");
        Assert.True(firstAccepted <= FirstAcceptedDeadline, $"the first 202 came {firstAccepted.TotalSeconds:F1} s after healing");

        // What the system kept: each accepted task once, nothing else, nothing dead-lettered.
        Assert.Equal(rows.Count, rows.Distinct().Count());
        Assert.Equal(report.Accepted.ToHashSet(), rows.ToHashSet());
        Assert.Empty(deadLetters);

        // Nobody restarted anything, and nothing crashed.
        Assert.All(processes, part => Assert.Equal(part.Value, topology[part.Key].ProcessId));
    }

    private static async Task Outage(TimeSpan length, Func<Task> begin, Func<Task> end)
    {
        await begin();
        try
        {
            await Task.Delay(length);
        }
        finally
        {
            await end();
        }
    }

    private static TimeSpan Scaled(double seconds) => Scaled(TimeSpan.FromSeconds(seconds));

    private static TimeSpan Scaled(TimeSpan length) => length * Scale;

    private async Task HealEverythingAsync()
    {
        foreach (var part in LocalProcesses.AllParts)
        {
            await topology.Network!.HealAsync(part);
            await topology[part].ResumeAsync();
        }
    }

    private async Task<List<string>> DeadLettersOfAsync(string taskType)
    {
        await using var nats = NatsTestClient.Connect(topology.NatsUrl);
        var letters = await NatsTestClient.DeadLettersAsync(nats, "deadletter.>");
        return [.. letters.Where(letter => letter.Body.Contains(taskType, StringComparison.Ordinal)).Select(letter => letter.Reason)];
    }

    private void Record(string fault, LoadReport report, List<Guid> rows, List<string> deadLetters, TimeSpan firstAccepted, TimeSpan backlogStored)
    {
        object[] row =
        [
            fault, report.Tasks, $"{report.Count(HttpStatusCode.Accepted)} / {report.Count(HttpStatusCode.ServiceUnavailable)} ({report.OutcomeUnknownBodies.Count} unknown)",
            report.Unanswered, Seconds(report.LongestAnswer), $"{rows.Count} / {rows.Distinct().Count()}", deadLetters.Count, Seconds(firstAccepted), Seconds(backlogStored),
        ];
        output.WriteLine(FaultReport.Row(row));
        Report.Add(row);
    }

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:F1} s");
}
