using Distributed.DeadLetters;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using Distributed.Tests.Integration;
using Xunit.Abstractions;
using Distributed.Load;
using NATS.Client.JetStream;
using Distributed.Messaging;

namespace Distributed.Tests.Faults;

/// <summary>
/// Kills (-9) or stops (SIGTERM) each part in turn under a steady load and checks the contract's (docs/contract.md)
/// delivery promise: every accepted task is stored exactly once, and the pipeline drains by itself.
/// </summary>
[Collection(LocalProcessesCollection.Name)]
public sealed class FaultInjectionTests(LocalProcesses topology, ITestOutputHelper output)
{
    private static readonly string[] Processors = ["processor-1", "processor-2"];
    private const double LoadRate = 50; // tasks/s
    private static readonly TimeSpan SteadyLoad = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(90);
    private static readonly FaultReport Report = new("fault-injection.md",
        "fault", "accepted (202)", "stored", "duplicated", "lost", "503", "no answer", "drain");

    [Fact]
    public void Services_started_before_nats_and_postgres_wait_for_them_instead_of_crashing()
    {
        foreach (var service in LocalProcesses.Services)
        {
            var (alive, health) = topology.BeforeDependencies[service];
            Assert.Equal(HttpStatusCode.OK, alive);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health);
        }
    }

    [Fact]
    public void The_aggregator_says_ready_only_after_its_query_statements_ran_on_pooled_connections()
    {
        // Its first clients then meet open connections and optimised code, not a cold start
        // (docs/benchmarks.md, issue 28: p99 532 ms and 64 requests past 5 s over a million rows).
        Assert.Contains("Query API warm: its statements ran on 8 connections", topology["aggregator"].ReadLog(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("processor-1")]
    [InlineData("enricher")]
    [InlineData("aggregator")]
    [InlineData("nats")]
    [InlineData("postgres")]
    public async Task Kill_9_and_restart_loses_and_duplicates_nothing(string part)
    {
        HttpResponseMessage? statsDuringOutage = null;
        var degradedBefore = await DegradedTotalAsync();
        var (report, stored, drain) = await RunUnderLoadAsync($"kill-{part}", async () =>
        {
            await topology[part].KillAsync();
            if (part == "postgres")
            {
                // A backend of the killed server may answer one more query; the next ones cannot.
                statsDuringOutage = await Eventually.MatchAsync(
                    () => topology.Aggregator.GetAsync(new Uri("/stats", UriKind.Relative)),
                    response => response.StatusCode != HttpStatusCode.OK,
                    TimeSpan.FromSeconds(5),
                    "/stats to notice PostgreSQL is gone");
            }

            await Task.Delay(Outage);
            await topology.StartAsync(part);
        });

        Record($"kill -9 {part}", report, stored, drain);
        if (part == "nats")
        {
            // While NATS is down the gateway refuses tasks with 503 + Retry-After instead of queueing them.
            Assert.True(report.Count(HttpStatusCode.ServiceUnavailable) > 0, "no 503 while NATS was down");
            Assert.Equal(0, report.RetryAfterMissing);
            Assert.All(report.UnavailableMediaTypes, media => Assert.Equal("application/problem+json", media));
        }

        if (statsDuringOutage is not null)
        {
            // Queries while PostgreSQL is down: 503 with Retry-After, not a bare 500.
            using (statsDuringOutage)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, statsDuringOutage.StatusCode);
                Assert.NotNull(statsDuringOutage.Headers.RetryAfter);
                Assert.Equal("application/problem+json", statsDuringOutage.Content.Headers.ContentType?.MediaType);
            }
        }

        if (part == "enricher")
        {
            // A long enricher outage degrades tasks (stored without enrichment) rather than losing or blocking them.
            var degraded = await DegradedTotalAsync() - degradedBefore;
            Assert.True(degraded > 0, "no task was stored degraded during the enricher outage");
        }
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("processor-2")]
    [InlineData("enricher")]
    [InlineData("aggregator")]
    public async Task Sigterm_exits_0_and_loses_and_duplicates_nothing(string part)
    {
        var exitCode = -1;
        var (report, stored, drain) = await RunUnderLoadAsync($"term-{part}", async () =>
        {
            exitCode = await topology[part].TerminateAsync(TimeSpan.FromSeconds(20));
            await topology.StartAsync(part);
        });

        Record($"SIGTERM {part}", report, stored, drain);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task A_full_task_stream_gets_503_with_retry_after_and_nothing_accepted_is_lost()
    {
        var taskType = "overload" + Guid.NewGuid().ToString("N")[..6];
        await topology["processor-1"].TerminateAsync(TimeSpan.FromSeconds(20));
        await topology["processor-2"].TerminateAsync(TimeSpan.FromSeconds(20));
        try
        {
            var statuses = new List<HttpStatusCode>();
            var accepted = new List<Guid>();
            HttpResponseMessage? refused = null;
            for (var i = 0; i < LocalProcesses.StreamMaxMessages + 100 && refused is null; i++)
            {
                using var content = new StringContent($$"""{"task_type":"{{taskType}}","data":{{i}}}""", Encoding.UTF8, "application/json");
                var response = await topology.Gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    accepted.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetGuid());
                    response.Dispose();
                }
                else
                {
                    refused = response;
                }
            }

            Assert.NotNull(refused);
            using (refused)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.NotNull(refused.Headers.RetryAfter);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            }

            Assert.InRange(accepted.Count, 1, LocalProcesses.StreamMaxMessages);

            var started = Stopwatch.StartNew();
            await topology.StartAsync("processor-1");
            await topology.StartAsync("processor-2");
            var stored = await topology.Aggregator.WaitUntilStoredAsync(taskType, accepted, DrainDeadline);
            Record("task stream full", new LoadReport { AcceptedAt = accepted.ToDictionary(id => id, _ => DateTimeOffset.UtcNow), Statuses = new Dictionary<HttpStatusCode, int> { [HttpStatusCode.Accepted] = accepted.Count, [HttpStatusCode.ServiceUnavailable] = 1 } }, stored, started.Elapsed);
        }
        finally
        {
            await topology.StartAsync("processor-1");
            await topology.StartAsync("processor-2");
        }
    }

    [Fact]
    public async Task Nats_back_with_an_empty_store_gets_its_streams_back_and_the_pipeline_works_without_restarting_a_service()
    {
        var services = LocalProcesses.Services.ToDictionary(s => s, s => topology[s].ProcessId);
        await topology["nats"].KillAsync();
        Directory.Delete(topology.NatsStoreDirectory, recursive: true);
        await topology.StartAsync("nats");

        // The first tasks may meet the gap before the streams are back (503); then they are accepted and stored.
        var taskType = "emptystore" + Guid.NewGuid().ToString("N")[..6];
        var started = Stopwatch.StartNew();
        var accepted = await Eventually.MatchAsync(
            async () =>
            {
                using var content = new StringContent($$"""{"task_type":"{{taskType}}","data":1}""", Encoding.UTF8, "application/json");
                using var response = await topology.Gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);
                return response.StatusCode == HttpStatusCode.Accepted
                    ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetGuid()
                    : Guid.Empty;
            },
            id => id != Guid.Empty,
            DrainDeadline,
            "the gateway to accept a task on the re-created stream");
        var stored = await topology.Aggregator.WaitUntilStoredAsync(taskType, [accepted], DrainDeadline);

        Record("NATS store lost", new LoadReport { AcceptedAt = new Dictionary<Guid, DateTimeOffset> { [accepted] = DateTimeOffset.UtcNow }, Statuses = new Dictionary<HttpStatusCode, int> { [HttpStatusCode.Accepted] = 1 } }, stored, started.Elapsed);
        Assert.All(services, s => Assert.Equal(s.Value, topology[s.Key].ProcessId));
        foreach (var service in LocalProcesses.Services)
        {
            using var client = new HttpClient();
            using var health = await Eventually.MatchAsync(
                () => client.GetAsync(topology.HealthUrl(service)), r => r.StatusCode == HttpStatusCode.OK, DrainDeadline, $"{service} healthy again");
        }
    }

    [Fact]
    public async Task A_task_that_keeps_failing_is_dead_lettered_after_MAX_DELIVERIES_and_stored_once_when_replayed()
    {
        // No processor runs while this test plays a replica that fails the task on every delivery.
        await topology["processor-1"].TerminateAsync(TimeSpan.FromSeconds(20));
        await topology["processor-2"].TerminateAsync(TimeSpan.FromSeconds(20));
        try
        {
            var accepted = await topology.Gateway.SubmitAsync("poisoned" + Guid.NewGuid().ToString("N")[..6], "1");
            await using var nats = NatsTestClient.Connect(topology.NatsUrl);
            var consumer = await new NATS.Client.JetStream.NatsJSContext(nats).GetConsumerAsync("TASKS", "processors");
            var failures = 0;
            while (failures < LocalProcesses.MaxDeliveries)
            {
                await foreach (var msg in consumer.FetchAsync<byte[]>(new NATS.Client.JetStream.NatsJSFetchOpts { MaxMsgs = 1, Expires = TimeSpan.FromSeconds(2) }))
                {
                    Assert.Contains(accepted.RequestId.ToString(), Encoding.UTF8.GetString(msg.Data!), StringComparison.Ordinal);
                    await msg.NakAsync();
                    failures++;
                }
            }

            await topology.StartAsync("processor-1");
            var letter = await Eventually.MatchAsync(
                async () => (await NatsTestClient.DeadLettersAsync(nats, "deadletter.processor"))
                    .FirstOrDefault(l => l.Body.Contains(accepted.RequestId.ToString(), StringComparison.Ordinal)),
                l => l.Body is not null,
                DrainDeadline,
                "the task in deadletter.processor");
            Assert.Contains($"{LocalProcesses.MaxDeliveries} deliveries", letter.Reason, StringComparison.Ordinal);
            Assert.Null(await topology.Aggregator.FindResultAsync(accepted.RequestId));
            var metrics = await topology.MetricsAsync("processor-1");
            Assert.Matches("deadletter_messages_total\\{[^}]*stage=\"processor\"[^}]*\\} [1-9]", metrics);

            // The operator lists it, with where it came from, why and after how many deliveries.
            var archive = new DeadLetterArchive(new NATS.Client.JetStream.NatsJSContext(nats));
            var listed = Assert.Single(await archive.ListAsync("processor", 10_000, CancellationToken.None),
                l => Encoding.UTF8.GetString(l.Payload).Contains(accepted.RequestId.ToString(), StringComparison.Ordinal));
            Assert.StartsWith("tasks.poisoned", listed.OriginalSubject, StringComparison.Ordinal);
            Assert.Equal((ulong)LocalProcesses.MaxDeliveries + 1, listed.Deliveries);
            Assert.Equal(listed.Reason, (await archive.GetAsync(listed.Sequence, CancellationToken.None))!.Reason);

            // The cause is gone (the processors work): replayed, it is stored, once, and leaves the dead letters.
            Assert.Equal(1, (await archive.ReplayAsync("processor", listed.Sequence, CancellationToken.None)).Replayed);
            await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, DrainDeadline, "the replayed task stored");
            Assert.Single(await topology.Aggregator.AllRequestIdsAsync(listed.OriginalSubject["tasks.".Length..]));
            Assert.Null(await archive.GetAsync(listed.Sequence, CancellationToken.None));
        }
        finally
        {
            await topology.StartAsync("processor-1");
            await topology.StartAsync("processor-2");
        }
    }

    [Fact]
    public async Task A_replayed_dead_letter_that_fails_again_is_back_in_the_dead_letters_with_its_reason_not_in_a_loop()
    {
        // A result PostgreSQL refuses (a NUL in jsonb), published as a faulty processor might.
        await using var nats = NatsTestClient.Connect(topology.NatsUrl);
        var jetStream = new NATS.Client.JetStream.NatsJSContext(nats);
        var requestId = Guid.NewGuid();
        var taskType = "refused" + Guid.NewGuid().ToString("N")[..6];
        var result = new Distributed.Contracts.ResultMessage(requestId, taskType, Distributed.Contracts.RawJson.FromText("\"a\\u0000b\""), null, "test", DateTimeOffset.UtcNow);
        (await jetStream.PublishAsync(Distributed.Contracts.Subjects.Result(taskType), Distributed.Contracts.ContractJson.Serialize(result))).EnsureSuccess();

        var archive = new DeadLetterArchive(jetStream);
        async Task<DeadLetter?> LetterAsync() => (await archive.ListAsync("aggregator", 10_000, CancellationToken.None))
            .SingleOrDefault(l => Encoding.UTF8.GetString(l.Payload).Contains(requestId.ToString(), StringComparison.Ordinal));
        var first = await Eventually.MatchAsync(LetterAsync, l => l is not null, DrainDeadline, "the refused result in the dead letters");
        Assert.Contains("PostgreSQL 22", first!.Reason, StringComparison.Ordinal);

        Assert.Equal(1, (await archive.ReplayAsync("aggregator", first.Sequence, CancellationToken.None)).Replayed);

        var again = await Eventually.MatchAsync(LetterAsync, l => l is not null && l.Sequence != first.Sequence, DrainDeadline, "the replayed result back in the dead letters");
        Assert.Contains("PostgreSQL 22", again!.Reason, StringComparison.Ordinal);
        Assert.Equal(first.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), again.Headers[Distributed.Contracts.MessageHeaders.ReplayedFrom].ToString());
        Assert.Null(await topology.Aggregator.FindResultAsync(requestId));
        // Once, not again and again: nothing replays it by itself.
        await Eventually.MatchAsync(async () => (await jetStream.GetConsumerAsync(Distributed.Contracts.JetStreamNames.ResultsStream, Distributed.Contracts.JetStreamNames.AggregatorConsumer)).Info.NumAckPending,
            pending => pending == 0, DrainDeadline, "the aggregator to hold nothing");
        Assert.Single(await archive.ListAsync("aggregator", 10_000, CancellationToken.None),
            l => Encoding.UTF8.GetString(l.Payload).Contains(requestId.ToString(), StringComparison.Ordinal));

        Assert.True(await archive.PurgeAsync("aggregator", CancellationToken.None) >= 1);
        Assert.Null(await LetterAsync());
    }

    [Fact]
    public async Task While_postgres_is_paused_the_query_api_answers_503_in_seconds_and_recovers_by_itself()
    {
        // Within seconds (the reader's connect and command timeouts, 3 s each, and a cancellation
        // that a stopped server never confirms), never a hang.
        using var client = new HttpClient { BaseAddress = topology.Aggregator.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        await topology["postgres"].PauseAsync();
        try
        {
            foreach (var path in new[] { "/results?limit=5", $"/results/{Guid.NewGuid()}" })
            {
                using var answer = await client.GetAsync(new Uri(path, UriKind.Relative));
                Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                Assert.NotNull(answer.Headers.RetryAfter);
                Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            }
        }
        finally
        {
            await topology["postgres"].ResumeAsync();
        }

        await Eventually.MatchAsync(async () => (await client.GetAsync(new Uri("/results?limit=5", UriKind.Relative))).StatusCode,
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "the query API to answer again");
    }

    [Fact]
    public async Task One_enricher_answers_many_requests_at_once()
    {
        // With a 400 ms lookup, 20 requests answered one at a time would take 8 s; each may wait 2 s.
        var slow = topology.AddEnricher("enricher-slow", ("ENRICH_DELAY_MS", "400"));
        await topology["enricher"].TerminateAsync(TimeSpan.FromSeconds(20));
        try
        {
            await topology.StartAsync("enricher-slow");
            await using var nats = Integration.NatsTestClient.Connect(topology.NatsUrl);
            // Healthy comes a moment before its service endpoint is subscribed: wait for one answer first.
            await Eventually.MatchAsync(
                async () =>
                {
                    try
                    {
                        await nats.RequestAsync<byte[], byte[]>("enrich.request", Encoding.UTF8.GetBytes($$"""{"request_id":"{{Guid.NewGuid()}}","task_type":"t","data":null}"""),
                            replyOpts: new NATS.Client.Core.NatsSubOpts { Timeout = TimeSpan.FromSeconds(2) });
                        return true;
                    }
                    catch (NATS.Client.Core.NatsNoRespondersException)
                    {
                        return false;
                    }
                },
                answered => answered, DrainDeadline, "the slow enricher to answer a request");
            var requests = Enumerable.Range(0, 20).Select(async _ =>
            {
                var body = Encoding.UTF8.GetBytes($$"""{"request_id":"{{Guid.NewGuid()}}","task_type":"t","data":null}""");
                var reply = await nats.RequestAsync<byte[], byte[]>("enrich.request", body,
                    replyOpts: new NATS.Client.Core.NatsSubOpts { Timeout = TimeSpan.FromSeconds(2) });
                return Encoding.UTF8.GetString(reply.Data!);
            });

            var replies = await Task.WhenAll(requests);
            Assert.All(replies, reply => Assert.Contains("source:enricher", reply, StringComparison.Ordinal));
        }
        finally
        {
            await slow.TerminateAsync(TimeSpan.FromSeconds(20));
            await topology.StartAsync("enricher");
        }
    }

    [Fact]
    public async Task Secrets_never_appear_in_any_log()
    {
        // Some traffic first, so the logs hold more than start-up lines.
        using var driver = new OpenLoad(topology.Gateway, new OpenLoadOptions { TaskType = "secrets", Rate = LoadRate, MaxInFlight = 64 });
        driver.Start();
        await Task.Delay(SteadyLoad);
        var report = await driver.StopAsync();
        await topology.Aggregator.WaitUntilStoredAsync("secrets", report.Accepted, DrainDeadline);

        var logs = topology.ReadAllLogs();
        Assert.NotEmpty(logs);
        Assert.DoesNotContain(topology.NatsPassword, logs, StringComparison.Ordinal);
        Assert.All(topology.ServiceNatsPasswords.Values, password => Assert.DoesNotContain(password, logs, StringComparison.Ordinal));
        Assert.DoesNotContain(topology.PostgresPassword, logs, StringComparison.Ordinal);
        Assert.All(topology.DatabaseRolePasswords.Values, password => Assert.DoesNotContain(password, logs, StringComparison.Ordinal));
    }

    private async Task<(LoadReport Report, IReadOnlyList<Guid> Stored, TimeSpan Drain)> RunUnderLoadAsync(string label, Func<Task> fault)
    {
        var taskType = label + "-" + Guid.NewGuid().ToString("N")[..6];
        using var driver = new OpenLoad(topology.Gateway, new OpenLoadOptions { TaskType = taskType, Rate = LoadRate, MaxInFlight = 64 });
        driver.Start();
        ExceptionDispatchInfo? failure = null;
        try
        {
            await Task.Delay(SteadyLoad);
            await fault();
            await Task.Delay(SteadyLoad);
        }
        catch (Exception ex)
        {
            failure = ExceptionDispatchInfo.Capture(ex);
        }

        var report = await driver.StopAsync();
        // Whatever the fault did, the topology is whole again for the next test.
        foreach (var part in LocalProcesses.AllParts)
        {
            await topology.StartAsync(part);
        }

        failure?.Throw();
        var started = Stopwatch.StartNew();
        var stored = await topology.Aggregator.WaitUntilStoredAsync(taskType, report.Accepted, DrainDeadline);
        var drain = started.Elapsed;

        Assert.True(report.Accepted.Count > 50, $"only {report.Accepted.Count} tasks accepted: the load did not run");
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.Empty(report.Accepted.Except(stored));
        // A row beyond the accepted ones can only come from a request whose outcome the client could not
        // know: no answer at all, or a 503 because the stream's ack was lost when NATS died after storing.
        Assert.InRange(stored.Count - report.Accepted.Count, 0, report.UnknownOutcome + report.Count(HttpStatusCode.ServiceUnavailable));
        return (report, stored, drain);
    }

    private async Task<double> DegradedTotalAsync()
    {
        double total = 0;
        foreach (var processor in Processors)
        {
            var metrics = await topology.MetricsAsync(processor);
            total += metrics.Split('\n')
                .Where(line => line.StartsWith("tasks_degraded_total", StringComparison.Ordinal))
                .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }

        return total;
    }

    private void Record(string fault, LoadReport report, IReadOnlyList<Guid> stored, TimeSpan drain)
    {
        object[] row =
        [
            fault, report.Accepted.Count, stored.Count, stored.Count - stored.Distinct().Count(), report.Accepted.Except(stored).Count(),
            report.Count(HttpStatusCode.ServiceUnavailable), report.UnknownOutcome, string.Create(CultureInfo.InvariantCulture, $"{drain.TotalSeconds:F1} s"),
        ];
        output.WriteLine(FaultReport.Row(row));
        Report.Add(row);
    }
}
