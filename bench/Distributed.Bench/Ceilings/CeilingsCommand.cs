using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Distributed.Bench.Load;
using Distributed.Bench.Nats;
using Distributed.Bench.Reporting;

namespace Distributed.Bench.Ceilings;

/// <summary>
/// <c>ceilings</c>: in one run, the most each step of the pipeline sustains alone on this machine
/// (bare Kestrel, Kestrel + JetStream ack, NATS request-reply, JetStream consume + ack,
/// PostgreSQL batched insert) and, with <c>--gateway</c>, the real gateway under the same load,
/// so it can be quoted as a ratio of its ceiling.
/// </summary>
public static class CeilingsCommand
{
    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var connections = BenchConnections.From(args);
        var duration = args.Duration("duration", "10s");
        var clients = args.Count("connections", 64);
        var rate = args.Number("rate", 1000);
        var only = args.Text("only", "http-parse,http-jetstream,gateway,request-reply,consume-ack,postgres-insert").Split(',').ToHashSet();
        var report = new JsonObject { ["durationSeconds"] = duration.TotalSeconds, ["connections"] = clients, ["rate"] = rate };
        var ceilings = new JsonObject();
        report["ceilings"] = ceilings;

        if (only.Contains("http-parse"))
        {
            ceilings["httpParse"] = await MeasureServerAsync("parse", connections, clients, rate, duration, cancellationToken);
        }

        if (only.Contains("http-jetstream"))
        {
            ceilings["httpJetStream"] = await MeasureServerAsync("jetstream", connections, clients, rate, duration, cancellationToken);
        }

        if (only.Contains("gateway") && args.Optional("gateway") is { } gateway)
        {
            // "direct": the gateway process's own port, not the AppHost's proxy in front of it,
            // so that it is measured like the ceiling servers are.
            var url = gateway == "direct" ? BenchConnections.GatewayListenAddress() : new Uri(gateway);
            ceilings["gateway"] = await MeasureGatewayAsync(url, args.Optional("aggregator"), clients, rate, duration, cancellationToken);
        }

        if (only.Contains("request-reply"))
        {
            Console.Error.WriteLine("NATS request-reply …");
            var result = await new NatsThroughput(connections.NatsUrl, 0, 128).RequestReplyAsync(args.Count("outstanding", 64), duration);
            ceilings["requestReply"] = NatsCommand.ToJson(result);
        }

        if (only.Contains("consume-ack"))
        {
            Console.Error.WriteLine("JetStream consume + ack …");
            ceilings["consumeAck"] = ToJson(await ConsumeAckCeiling.RunAsync(connections.NatsUrl, args.Count("msgs", 50_000)));
        }

        if (only.Contains("postgres-insert") && connections.Postgres is { } postgres)
        {
            Console.Error.WriteLine("PostgreSQL batched insert …");
            ceilings["postgresInsert"] = ToJson(await PostgresInsertCeiling.RunAsync(postgres, args.Count("batch", 256), duration));
        }

        if (Number(ceilings, "gateway", "closedLoop") is { } gatewayMax && Number(ceilings, "httpJetStream", "closedLoop") is { } jetStreamMax)
        {
            report["gatewayVsJetStreamCeiling"] = gatewayMax / jetStreamMax;
        }

        await JsonReport.WriteAsync(report, args.Optional("json"));
        return 0;
    }

    private static async Task<JsonObject> MeasureServerAsync(string mode, BenchConnections connections, int clients, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        const int port = 5080;
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(CeilingsCommand).Assembly.Location);
        }

        foreach (var arg in new[] { "ceiling-server", "--mode", mode, "--port", $"{port}", "--nats", connections.NatsUrl })
        {
            start.ArgumentList.Add(arg);
        }

        using var server = Process.Start(start)!;
        try
        {
            var url = new Uri($"http://127.0.0.1:{port}");
            await WaitHealthyAsync(url, cancellationToken);
            return await MeasureHttpAsync($"Kestrel {mode}", url, [server.Id], clients, rate, duration, cancellationToken);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// The real gateway under the same two loads. Processors are paused meanwhile (SIGSTOP), so
    /// the gateway shares the cores with NATS and the load tool only, as the ceiling servers did;
    /// afterwards they resume and everything accepted is stored before the next step.
    /// </summary>
    private static async Task<JsonObject> MeasureGatewayAsync(Uri gateway, string? aggregator, int clients, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var probe = aggregator is null ? null : new PipelineProbe(new Uri(aggregator));
        var before = probe is null ? null : await probe.SnapshotAsync();
        var processors = ProcessSignals.FindByExecutable("Distributed.Processor");
        ProcessSignals.Pause(processors);
        JsonObject result;
        try
        {
            result = await MeasureHttpAsync("gateway", gateway, ProcessSignals.FindByExecutable("Distributed.Gateway"), clients, rate, duration, cancellationToken);
        }
        finally
        {
            ProcessSignals.Resume(processors);
        }

        result["processorsPaused"] = processors.Count;
        if (probe is not null && before is not null)
        {
            var accepted = (long)(result["acceptedTotal"]?.GetValue<double>() ?? 0);
            Console.Error.WriteLine($"waiting for the pipeline to store the {accepted} accepted tasks …");
            var (after, drain) = await probe.WaitForStoredAsync(before, accepted, TimeSpan.FromMinutes(5));
            result["storedAfterwards"] = after.Stored - before.Stored;
            result["drainSeconds"] = drain.TotalSeconds;
        }

        return result;
    }

    /// <summary>
    /// After a short warm-up (JIT, connection pools), the most it answers with <paramref name="clients"/>
    /// connections, then its latency and CPU time per request (server process and nats-server) at a fixed rate.
    /// </summary>
    private static async Task<JsonObject> MeasureHttpAsync(string name, Uri url, IReadOnlyList<int> serverPids, int clients, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"{name}: warm-up …");
        await LoadCommand.RunAsync(
            new LoadOptions(url, rate, clients, TimeSpan.FromSeconds(10), clients, "bench", TimeSpan.FromSeconds(30)), null, false, TimeSpan.Zero, cancellationToken);
        Console.Error.WriteLine($"{name}: closed loop, {clients} connections …");
        var closed = await LoadCommand.RunAsync(
            new LoadOptions(url, rate, clients, duration, clients, "bench", TimeSpan.FromSeconds(30)), null, true, TimeSpan.Zero, cancellationToken);
        Console.Error.WriteLine($"{name}: open model, {rate}/s …");
        var natsServer = ProcessSignals.FindByExecutable("nats-server");
        var cpuBefore = (Server: CpuTime.Seconds(serverPids), Nats: CpuTime.Seconds(natsServer));
        var open = await LoadCommand.RunAsync(
            new LoadOptions(url, rate, null, duration, 2048, "bench", TimeSpan.FromSeconds(30)), null, false, TimeSpan.Zero, cancellationToken);
        var answered = Accepted(open);
        var accepted = Accepted(closed) + answered;
        return new JsonObject
        {
            ["name"] = name,
            ["closedLoop"] = closed["summary"]!["acceptedPerSec"]!.DeepClone(),
            ["closedLoopLatencySeconds"] = closed["responseTimePercentiles"]!.DeepClone(),
            // Where the cores went while it was saturated: the server, NATS, the load tool, the rest.
            ["closedLoopCores"] = new JsonObject(closed["processes"]!.AsArray().OfType<JsonObject>()
                .Select(p => KeyValuePair.Create(p["component"]!.GetValue<string>(), (JsonNode?)p["cores"]!.DeepClone()))),
            ["openModelAcceptedPerSec"] = open["summary"]!["acceptedPerSec"]!.DeepClone(),
            ["openModelLatencySeconds"] = open["responseTimePercentiles"]!.DeepClone(),
            ["acceptedTotal"] = accepted,
            ["serverCpuMsPerRequest"] = answered == 0 ? null : (CpuTime.Seconds(serverPids) - cpuBefore.Server) * 1000 / answered,
            ["natsCpuMsPerRequest"] = answered == 0 ? null : (CpuTime.Seconds(natsServer) - cpuBefore.Nats) * 1000 / answered,
        };
    }

    private static double Accepted(JsonObject load) => load["statusCodeDistribution"]?["202"]?.GetValue<int>() ?? 0;

    private static async Task WaitHealthyAsync(Uri url, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{url} did not become healthy within 30 s");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static JsonObject ToJson(CeilingResult result) => new()
    {
        ["name"] = result.Name,
        ["perSec"] = result.PerSecond,
        ["unit"] = result.Unit,
    };

    private static double? Number(JsonObject ceilings, string name, string key) =>
        ceilings[name]?[key]?.GetValue<double>();
}
