using System.Diagnostics;
using NATS.Client.JetStream;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Distributed.AppHost.Experiments;
using Distributed.Contracts;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;

namespace Distributed.Tests.Integration;

/// <summary>
/// The dashboard's experiment commands, executed the way the dashboard does (ResourceCommandService),
/// each judged by what it does to the running system. Every test that turns a flag on turns it off
/// again, so the other tests in the collection run on a healthy pipeline.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ExperimentCommandTests(AppHostFixture topology) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly PrometheusClient _prometheus = new();

    private ResourceCommandService Commands => topology.App.Services.GetRequiredService<ResourceCommandService>();

    [Fact]
    public async Task Send_load_stores_as_many_tasks_as_it_reports_accepted()
    {
        var storedBefore = (await topology.Aggregator.StatsAsync()).CountFor(LoadPlan.TaskType);

        var started = await Commands.ExecuteCommandAsync("gateway", LoadCommands.SendLoad,
            Arguments((LoadCommands.RateArgument, "40"), (LoadCommands.SecondsArgument, "3")));
        Assert.True(started.Success, started.Message);

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var finished = await topology.App.ResourceNotifications.WaitForResourceAsync(
            "gateway", e => e.Snapshot.Shown(LoadCommands.StateProperty) is { } state && state != "running", timeout.Token);
        Assert.Equal("finished", finished.Snapshot.Shown(LoadCommands.StateProperty));
        var accepted = int.Parse(finished.Snapshot.Shown(LoadCommands.AcceptedProperty)!, CultureInfo.InvariantCulture);
        var stored = int.Parse(finished.Snapshot.Shown(LoadCommands.StoredProperty)!, CultureInfo.InvariantCulture);
        Assert.Equal(120, accepted);
        Assert.Equal(accepted, stored);
        Assert.Contains("p99", finished.Snapshot.Shown(LoadCommands.SummaryProperty), StringComparison.Ordinal);

        // Counted independently of the command: the aggregator's own per-type count grew by exactly that many.
        Assert.Equal(storedBefore + accepted, (await topology.Aggregator.StatsAsync()).CountFor(LoadPlan.TaskType));
    }

    [Fact]
    public async Task Fail_requests_at_100_percent_stores_tasks_degraded_and_heal_brings_enrichment_back()
    {
        var degradedBefore = await _prometheus.ScalarAsync("sum(tasks_degraded_total)");
        try
        {
            var failing = await Commands.ExecuteCommandAsync("enricher", EnricherFaultCommands.FailRequests,
                Arguments((EnricherFaultCommands.ErrorPercentArgument, "100")));
            Assert.True(failing.Success, failing.Message);

            var taskType = "faulty" + Guid.NewGuid().ToString("N")[..8];
            var accepted = await topology.Gateway.SubmitAsync(taskType, """{"n":1}""");
            var row = await Eventually.MatchAsync(
                () => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, Deadline, "the degraded result");
            Assert.Equal(JsonValueKind.Null, row!.Value.GetProperty("enrichment").ValueKind);
            await Eventually.MatchAsync(
                () => _prometheus.ScalarAsync("sum(tasks_degraded_total)"), value => value > degradedBefore, Deadline,
                "tasks_degraded_total to rise in Prometheus");
        }
        finally
        {
            var healed = await Commands.ExecuteCommandAsync("enricher", EnricherFaultCommands.Heal);
            Assert.True(healed.Success, healed.Message);
        }

        var afterHeal = await topology.Gateway.SubmitAsync("healed" + Guid.NewGuid().ToString("N")[..8], """{"n":2}""");
        var healthy = await Eventually.MatchAsync(
            () => topology.Aggregator.FindResultAsync(afterHeal.RequestId), r => r is not null, Deadline, "the result after heal");
        Assert.Equal(JsonValueKind.Object, healthy!.Value.GetProperty("enrichment").ValueKind);
        Assert.Equal("healthy", (await EnricherStateAsync()).ToString());
    }

    [Fact]
    public async Task Crashing_a_processor_replica_under_load_loses_no_task()
    {
        var replicas = await ProcessorInstancesAsync();
        Assert.Equal(2, replicas.Count);
        var victim = replicas[0];
        var taskType = "crash" + Guid.NewGuid().ToString("N")[..8];
        var accepted = new List<Guid>();
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var jetStream = new NATS.Client.JetStream.NatsJSContext(nats);
        try
        {
            // Slow enrichment keeps every task in a replica's hands for a second, so the victim surely holds some when it dies.
            var slowed = await Commands.ExecuteCommandAsync("enricher", EnricherFaultCommands.SlowDown, Arguments((EnricherFaultCommands.LatencyArgument, "1000")));
            Assert.True(slowed.Success, slowed.Message);
            for (var i = 0; i < 150; i++)
            {
                accepted.Add((await topology.Gateway.SubmitAsync(taskType, i.ToString(CultureInfo.InvariantCulture))).RequestId);
                if (i == 75)
                {
                    var held = await jetStream.GetConsumerAsync(JetStreamNames.TasksStream, JetStreamNames.ProcessorsConsumer);
                    Assert.True(held.Info.NumAckPending > 0, "no task was in a processor's hands when the replica was killed");
                    var crashed = await Commands.ExecuteCommandAsync(victim, ProcessorCommands.Crash);
                    Assert.True(crashed.Success, crashed.Message);
                    await InstanceAsync(victim, snapshot => KnownResourceStates.TerminalStates.Contains(snapshot.State?.Text), "the victim to be gone");
                }

                await Task.Delay(10);
            }

            var healed = await Commands.ExecuteCommandAsync("enricher", EnricherFaultCommands.Heal);
            Assert.True(healed.Success, healed.Message);
            await Eventually.MatchAsync(
                async () => (await topology.Aggregator.StatsAsync()).CountFor(taskType),
                count => count >= accepted.Count,
                Deadline,
                "every accepted task stored after the crash (the victim's come back after the ack wait)");
            Assert.Equal(accepted.Count, (await topology.Aggregator.StatsAsync()).CountFor(taskType));
            foreach (var id in accepted)
            {
                Assert.NotNull(await topology.Aggregator.FindResultAsync(id));
            }
        }
        finally
        {
            await Commands.ExecuteCommandAsync("enricher", EnricherFaultCommands.Heal);
            var restarted = await Commands.ExecuteCommandAsync(victim, KnownResourceCommands.StartCommand);
            Assert.True(restarted.Success, restarted.Message);
            // Healthy again, as its current snapshot shows it: a restarted instance raises no second ready event to wait on.
            await InstanceAsync(
                victim,
                snapshot => snapshot.State?.Text == KnownResourceStates.Running
                    && snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy,
                "the victim running and healthy again");
        }
    }

    [Fact]
    public async Task Pause_grows_the_processor_backlog_and_resume_drains_it()
    {
        var processor = Resource("processor");
        var taskType = "paused" + Guid.NewGuid().ToString("N")[..8];
        const int Tasks = 40;
        try
        {
            var paused = await Commands.ExecuteCommandAsync(processor, ProcessorCommands.Pause);
            Assert.True(paused.Success, paused.Message);
            for (var i = 0; i < Tasks; i++)
            {
                await topology.Gateway.SubmitAsync(taskType, i.ToString(CultureInfo.InvariantCulture));
            }

            // Whatever else was waiting, this test's tasks are all in the backlog while no processor takes any.
            await Eventually.MatchAsync(BacklogAsync, pending => pending >= Tasks, Deadline,
                "the processors' backlog metric to hold the tasks sent while paused");
            Assert.Equal(0, (await topology.Aggregator.StatsAsync()).CountFor(taskType));
        }
        finally
        {
            var resumed = await Commands.ExecuteCommandAsync(processor, ProcessorCommands.Resume);
            Assert.True(resumed.Success, resumed.Message);
        }

        await Eventually.MatchAsync(
            async () => (await topology.Aggregator.StatsAsync()).CountFor(taskType), count => count == Tasks, Deadline,
            "every task sent while paused stored after resume");
        await Eventually.MatchAsync(BacklogAsync, pending => pending == 0, Deadline, "the backlog metric back to zero");
    }

    [Fact]
    public async Task Restarting_nats_from_the_dashboard_costs_503s_with_retry_after_and_no_accepted_task()
    {
        var taskType = "natsrestart" + Guid.NewGuid().ToString("N")[..8];
        var accepted = new List<Guid>();
        var refused = 0;
        var restart = Commands.ExecuteCommandAsync("nats", KnownResourceCommands.RestartCommand);
        var acceptedAfterRestart = false;
        using var deadline = new CancellationTokenSource(Deadline);
        while (!acceptedAfterRestart)
        {
            deadline.Token.ThrowIfCancellationRequested();
            var restarted = restart.IsCompleted;
            using var content = new StringContent($$"""{"task_type":"{{taskType}}","data":{{accepted.Count}}}""", Encoding.UTF8, "application/json");
            using var response = await topology.Gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content, deadline.Token);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(deadline.Token));
                accepted.Add(body.RootElement.GetProperty("request_id").GetGuid());
                acceptedAfterRestart = restarted;
            }
            else
            {
                // The only other answer allowed while NATS is away: 503 telling the client when to retry.
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
                refused++;
                await Task.Delay(50, deadline.Token);
            }
        }

        var result = await restart;
        Assert.True(result.Success, result.Message);
        await Eventually.MatchAsync(
            async () => (await topology.Aggregator.StatsAsync()).CountFor(taskType), count => count == accepted.Count, Deadline,
            $"all {accepted.Count} tasks accepted around the restart stored ({refused} refused with 503)");
    }

    [Fact]
    public async Task Show_pipeline_tells_accepted_stored_backlog_and_dead_letters()
    {
        var accepted = await topology.Gateway.SubmitAsync("shown", "{}");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, Deadline, "a stored result");
        var stored = (await topology.Aggregator.StatsAsync()).GetProperty("total_results").GetInt64();

        var shown = await Commands.ExecuteCommandAsync("aggregator", PipelineCommand.ShowPipeline);

        Assert.True(shown.Success, shown.Message);
        var table = shown.Data?.Value ?? string.Empty;
        foreach (var row in new[] { "accepted by the gateway", "`processors` pending", "`aggregator` pending", "stored in PostgreSQL", "dead letters" })
        {
            Assert.Contains(row, table, StringComparison.Ordinal);
        }

        var storedShown = long.Parse(
            table.Split('\n').Single(line => line.Contains("stored in PostgreSQL", StringComparison.Ordinal)).Split('|')[2].Trim(),
            NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.True(storedShown >= stored, $"shown {storedShown} stored, /stats said {stored} before");
    }

    [Fact]
    public async Task Dead_letters_are_listed_shown_replayed_and_purged_from_the_dashboard()
    {
        // A task the processor cannot decode: it lands in deadletter.processor.
        var marker = "dashboard-" + Guid.NewGuid().ToString("N")[..8];
        await using (var nats = NatsTestClient.Connect(await topology.NatsUrlAsync()))
        {
            (await new NatsJSContext(nats).PublishAsync("tasks.dashboard", Encoding.UTF8.GetBytes("{not json " + marker))).EnsureSuccess();
        }

        // A person clicks a command on one replica's row (processor-xxxx): it runs once.
        var processor = (await ProcessorInstancesAsync())[0];
        var listed = await Eventually.MatchAsync(
            async () => await Commands.ExecuteCommandAsync(processor, DeadLetterCommands.List) is var result && result.Success
                ? result.Data?.Value ?? string.Empty
                : "failed: " + result.Message,
            table => table.Contains("`tasks.dashboard`", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the poison task in the dead-letter list");
        var row = listed.Split('\n').Last(line => line.Contains("`tasks.dashboard`", StringComparison.Ordinal));
        Assert.Contains("invalid", row, StringComparison.Ordinal);
        var sequence = row.Split('|')[1].Trim();

        var shown = await Commands.ExecuteCommandAsync(processor, DeadLetterCommands.Show, Arguments((DeadLetterCommands.SequenceArgument, sequence)));
        Assert.True(shown.Success, shown.Message);
        Assert.Contains(marker, shown.Data?.Value, StringComparison.Ordinal);
        Assert.Contains("Distributed-Deadletter-Reason", shown.Data?.Value, StringComparison.Ordinal);

        // Replayed, it is still undecodable: back in the dead letters under a new sequence, which purge removes.
        var replayed = await Commands.ExecuteCommandAsync(processor, DeadLetterCommands.Replay, Arguments((DeadLetterCommands.SequenceArgument, sequence)));
        Assert.True(replayed.Success, replayed.Message);
        await Eventually.MatchAsync(
            async () => (await Commands.ExecuteCommandAsync(processor, DeadLetterCommands.List)).Data?.Value ?? string.Empty,
            table => table.Split('\n').Any(line => line.Contains("`tasks.dashboard`", StringComparison.Ordinal) && line.Split('|')[1].Trim() != sequence),
            TimeSpan.FromSeconds(60), "the replayed task back in the dead letters");

        var purged = await Commands.ExecuteCommandAsync(processor, DeadLetterCommands.Purge);
        Assert.True(purged.Success, purged.Message);
        Assert.DoesNotContain("`tasks.dashboard`", (await Commands.ExecuteCommandAsync(processor, DeadLetterCommands.List)).Data?.Value ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dead_letters_are_listed_shown_replayed_and_purged_from_a_terminal_as_the_operator()
    {
        // Where no AppHost runs (a cluster), the same commands are Distributed.DeadLetters, given the operator's NATS_URL.
        var marker = "terminal-" + Guid.NewGuid().ToString("N")[..8];
        var natsUrl = await topology.NatsUrlAsync();
        await using (var nats = NatsTestClient.Connect(natsUrl))
        {
            (await new NatsJSContext(nats).PublishAsync("tasks.terminal", Encoding.UTF8.GetBytes("{not json " + marker))).EnsureSuccess();
        }

        var listed = await Eventually.MatchAsync(
            () => DeadLettersAsync(natsUrl, "list", "processor"),
            run => run.Output.Contains("`tasks.terminal`", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the poison task in the terminal's list");
        Assert.Equal(0, listed.ExitCode);
        var row = listed.Output.Split('\n').Last(line => line.Contains("`tasks.terminal`", StringComparison.Ordinal));
        Assert.Contains("invalid TaskMessage", row, StringComparison.Ordinal);
        var sequence = row.Split('|')[1].Trim();

        var shown = await DeadLettersAsync(natsUrl, "show", sequence);
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains(marker, shown.Output, StringComparison.Ordinal);

        var replayed = await DeadLettersAsync(natsUrl, "replay", "processor", "--sequence", sequence);
        Assert.True(replayed.ExitCode == 0, replayed.Output);
        await Eventually.MatchAsync(
            () => DeadLettersAsync(natsUrl, "list", "processor"),
            run => run.Output.Split('\n').Any(line => line.Contains("`tasks.terminal`", StringComparison.Ordinal) && line.Split('|')[1].Trim() != sequence),
            TimeSpan.FromSeconds(60), "the replayed task back in the dead letters");

        var purged = await DeadLettersAsync(natsUrl, "purge", "processor");
        Assert.True(purged.ExitCode == 0, purged.Output);
        Assert.DoesNotContain("`tasks.terminal`", (await DeadLettersAsync(natsUrl, "list", "processor")).Output, StringComparison.Ordinal);

        // Without the operator's credentials nothing is read.
        var anonymous = await DeadLettersAsync(Distributed.Messaging.NatsUrl.SplitCredentials(natsUrl).Url, "list", "processor");
        Assert.Equal(2, anonymous.ExitCode);
        Assert.Contains("Authorization Violation", anonymous.Output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> DeadLettersAsync(string natsUrl, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Faults.RepositoryPaths.ServiceAssembly("Distributed.DeadLetters"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NATS_URL"] = natsUrl;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task The_gateway_offers_no_way_to_reach_the_fault_flags()
    {
        // A task type becomes one subject token: none of these may become a control subject.
        foreach (var taskType in new[] { "control.enricher.faults", "..control", ">", "*", "control enricher" })
        {
            var body = JsonSerializer.Serialize(new { task_type = taskType, data = new { error_rate = 1, extra_latency_ms = 0 } });
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await topology.Gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        }

        Assert.True((await EnricherStateAsync()).IsOff);
    }

    public void Dispose() => _prometheus.Dispose();

    private IResource Resource(string name) =>
        topology.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    /// <summary>The ids of the processor's replicas (processor-xxxx), as the dashboard lists them.</summary>
    private async Task<List<string>> ProcessorInstancesAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new Dictionary<string, string?>();
        await foreach (var change in topology.App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (change.Resource.Name == "processor")
            {
                seen[change.ResourceId] = change.Snapshot.State?.Text;
                if (seen.Count == 2 && seen.Values.All(state => state == KnownResourceStates.Running))
                {
                    break;
                }
            }
        }

        return [.. seen.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Polls one replica's current snapshot: waiting on notifications by a replica's id (processor-xxxx)
    /// does not see that replica's changes in this Aspire version.
    /// </summary>
    private Task<CustomResourceSnapshot?> InstanceAsync(string instance, Func<CustomResourceSnapshot, bool> condition, string what) =>
        Eventually.MatchAsync(
            () => Task.FromResult(topology.App.ResourceNotifications.TryGetCurrentState(instance, out var current) ? current.Snapshot : null),
            snapshot => snapshot is not null && condition(snapshot),
            TimeSpan.FromMinutes(2),
            $"{what} ({instance})");

    /// <summary>The processors' backlog as their metric shows it (pending in the stream plus delivered, not acked).</summary>
    private async Task<long> BacklogAsync()
    {
        using var processor = topology.CreateClient("processor");
        var metrics = await processor.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        return metrics.Split('\n')
            .Where(line => line.StartsWith("jetstream_consumer_pending_messages{", StringComparison.Ordinal)
                || line.StartsWith("jetstream_consumer_ack_pending_messages{", StringComparison.Ordinal))
            .Where(line => line.Contains("consumer=\"processors\"", StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private async Task<EnricherFaults> EnricherStateAsync()
    {
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var reply = await nats.RequestAsync<byte[], byte[]>(ControlSubjects.EnricherFaults, []);
        var decoded = (ControlReply<EnricherFaults>?)JsonSerializer.Deserialize(reply.Data!, typeof(ControlReply<EnricherFaults>), ContractJsonContext.Default);
        return decoded!.State;
    }

    private static InteractionInputCollection Arguments(params (string Name, string Value)[] values) =>
        new([.. values.Select(v => new InteractionInput { Name = v.Name, InputType = InputType.Number, Value = v.Value })]);
}
