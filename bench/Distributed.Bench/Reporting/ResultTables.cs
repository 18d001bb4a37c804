using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Distributed.Bench.Reporting;

/// <summary>The markdown tables of docs/benchmarks.md, from one result set: median (min–max) of the runs.</summary>
public sealed class ResultTables(ResultSet results)
{
    /// <summary>The parts of the pipeline a task passes through; the rest is this machine's tooling.</summary>
    public static readonly string[] Stages = ["gateway", "processor", "enricher", "aggregator", "nats-server", "postgres"];

    private static readonly string[] Components = [.. Stages, "dashboard", "dcp", "apphost", "prometheus", "bench"];

    public string Render()
    {
        var text = new StringBuilder();
        Ceilings(text);
        Nats(text);
        Baseline(text);
        Memory(text);
        Tracing(text);
        Pipeline(text);
        ThreadPoolSpinning(text);
        Scaling(text);
        FailureInjection(text);
        return text.ToString();
    }

    private void Ceilings(StringBuilder text)
    {
        var runs = results.Groups("ceilings").SelectMany(g => g.Runs).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        var rate = runs[0].Number("rate") ?? 1000;
        text.AppendLine(CultureInfo.InvariantCulture, $"### Ceilings ({runs.Count} runs)").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| step, alone | most it sustains (closed loop, 64 conns) | p50 at {rate:F0}/s | p99 at {rate:F0}/s | p99.9 at {rate:F0}/s | server CPU ms/request | nats-server CPU ms/request |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var (key, label) in new[] { ("httpParse", "Kestrel: parse body, answer 202"), ("httpJetStream", "Kestrel: parse + JetStream publish, ack"), ("gateway", "the gateway (processors paused)") })
        {
            var c = runs.Select(r => r["ceilings"]?[key] as JsonObject).OfType<JsonObject>().ToList();
            if (c.Count > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {label} | {c.Spread("closedLoop").Show()} req/s | {c.Spread("openModelLatencySeconds.p50", 1000).Show("F1")} ms | {c.Spread("openModelLatencySeconds.p99", 1000).Show("F1")} ms | {c.Spread("openModelLatencySeconds.p99.9", 1000).Show("F1")} ms | {c.Spread("serverCpuMsPerRequest").Show("F3")} | {c.Spread("natsCpuMsPerRequest").Show("F3")} |");
            }
        }

        foreach (var (key, label) in new[] { ("requestReply", "NATS request-reply, 64 outstanding (latency at that load)"), ("consumeAck", "JetStream consume + ack, one consumer"), ("postgresInsert", "PostgreSQL insert, aggregator's statement, batches of 256") })
        {
            var c = runs.Select(r => r["ceilings"]?[key] as JsonObject).OfType<JsonObject>().ToList();
            if (c.Count > 0)
            {
                var unit = c[0]["unit"]?.GetValue<string>() ?? "req/s";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {label} | {c.Spread("perSec").Show()} {unit} | {c.Spread("latencySeconds.p50", 1000).Show("F1")} | {c.Spread("latencySeconds.p99", 1000).Show("F1")} | {c.Spread("latencySeconds.p99.9", 1000).Show("F1")} | | |");
            }
        }

        text.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"Gateway ÷ Kestrel+JetStream ceiling, per run: **{runs.Spread("gatewayVsJetStreamCeiling").Show("F2")}** (target ≥ 0.8).").AppendLine();

        // Where the two cores went while each server was saturated: its own share is the ceiling's cost.
        text.AppendLine("Cores in use during the closed-loop runs (median):").AppendLine();
        text.AppendLine("| step | the server | load tool | nats-server | dashboard | everything else | req/s per core of the server |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var (key, server) in new[] { ("httpParse", "bench-server"), ("httpJetStream", "bench-server"), ("gateway", "gateway") })
        {
            var cores = runs.Select(r => r["ceilings"]?[key]?["closedLoopCores"] as JsonObject).OfType<JsonObject>().ToList();
            if (cores.Count == 0)
            {
                continue;
            }

            var named = new[] { server, "bench", "nats-server", "dashboard" };
            var rest = Spread.Of(cores.Select(c => (double?)c.Where(kv => !named.Contains(kv.Key)).Sum(kv => kv.Value?.GetValue<double>() ?? 0)));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {key} | {cores.Spread(server).Show("F2")} | {cores.Spread("bench").Show("F2")} | {cores.Spread("nats-server").Show("F2")} | {cores.Spread("dashboard").Show("F2")} | {rest.Show("F2")} | {PerServerCore(runs, key, server).Show()} |");
        }

        text.AppendLine();
        var gatewayPerCore = PerServerCore(runs, "gateway", "gateway");
        var ceilingPerCore = PerServerCore(runs, "httpJetStream", "bench-server");
        if (gatewayPerCore is not null && ceilingPerCore is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Per core of its own process, the gateway answers **{gatewayPerCore.Median / ceilingPerCore.Median:F2}×** what the Kestrel+JetStream server does.").AppendLine();
        }
    }

    private static Spread? PerServerCore(IEnumerable<JsonObject> runs, string key, string server) =>
        Spread.Of(runs.Select(r => r["ceilings"]?[key] is JsonObject c
            ? c.Number("closedLoop") / c["closedLoopCores"].Number(server)
            : null));

    private void Nats(StringBuilder text)
    {
        var runs = results.Groups("nats").SelectMany(g => g.Runs).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"### NATS ({runs.Count} runs, {runs[0].Number("size"):F0}-byte messages)").AppendLine();
        text.AppendLine("| test | msgs/s | received/sent | p50 | p99 |").AppendLine("|---|---|---|---|---|");
        var tests = runs.SelectMany(r => r["nats"]!.AsArray().OfType<JsonObject>()).GroupBy(t => t["test"]!.GetValue<string>());
        foreach (var test in tests)
        {
            var list = test.ToList();
            var delivered = list.Sum(t => t.Number("received") ?? 0) / Math.Max(1, list.Sum(t => t.Number("sent") ?? 0));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {test.Key} | {list.Spread("perSec").Show()} | {delivered:P1} | {list.Spread("latencySeconds.p50", 1000).Show("F2")} ms | {list.Spread("latencySeconds.p99", 1000).Show("F2")} ms |");
        }

        text.AppendLine();
    }

    private void Baseline(StringBuilder text)
    {
        var groups = results.Groups("baseline");
        if (groups.Count == 0)
        {
            return;
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"### Baseline: fixed rates, default delays ({groups[0].Runs.Count} runs each)").AppendLine();
        text.AppendLine("| offered | accepted/s | HTTP p50 | p90 | p99 | p99.9 | stored/s during load | backlog growth | end-to-end p50 | p90 | p99 | drain after load | CPU busy |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (key, runs) in groups)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {key}/s | {runs.Spread("summary.acceptedPerSec").Show()} | {Ms(runs, "responseTimePercentiles.p50")} | {Ms(runs, "responseTimePercentiles.p90")} | {Ms(runs, "responseTimePercentiles.p99")} | {Ms(runs, "responseTimePercentiles.p99.9")} | {runs.Spread("endToEnd.storedPerSecDuringLoad").Show()} | {runs.Spread("endToEnd.backlogGrowthPerSec").Show()}/s | {Ms(runs, "endToEnd.latencySeconds.p50")} | {Ms(runs, "endToEnd.latencySeconds.p90")} | {Ms(runs, "endToEnd.latencySeconds.p99")} | {runs.Spread("endToEnd.drainSeconds").Show("F1")} s | {Busy(runs).Show("F2")} of {Environment.ProcessorCount} |");
        }

        text.AppendLine();
    }

    private void Memory(StringBuilder text)
    {
        var loaded = results.Runs("baseline", "1000");
        var stress = results.File("memory/stress-5m.json");
        if (loaded.Count == 0 && stress is null)
        {
            return;
        }

        text.AppendLine("### Memory").AppendLine();
        text.AppendLine("| part | peak RSS per process at 1000/s | processes | RSS over the 5-minute stress: first minute → last minute (mean) | change |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var component in Components.Where(c => c != "bench"))
        {
            var peaks = loaded.Select(r => r.Component(component)).OfType<JsonObject>().ToList();
            var series = stress?.Component(component)?["rssMiB"]?.AsArray().OfType<JsonArray>()
                .Select(p => (T: p[0]!.GetValue<double>(), Mib: p[1]!.GetValue<double>())).ToList();
            if (peaks.Count == 0 && series is null)
            {
                continue;
            }

            var trend = "–";
            var change = "–";
            if (series is { Count: > 0 })
            {
                var end = series[^1].T;
                var first = series.Where(p => p.T <= 60).Select(p => p.Mib).DefaultIfEmpty(0).Average();
                var last = series.Where(p => p.T >= end - 60).Select(p => p.Mib).DefaultIfEmpty(0).Average();
                trend = string.Create(CultureInfo.InvariantCulture, $"{first:F0} → {last:F0} MiB");
                change = first > 0 ? string.Create(CultureInfo.InvariantCulture, $"{(last - first) / first:+0%;-0%;0%}") : "–";
            }

            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {component} | {peaks.Spread("peakRssMiBPerProcess").Show()} MiB | {peaks.Spread("processes").Show()} | {trend} | {change} |");
        }

        text.AppendLine();
    }

    private void Tracing(StringBuilder text)
    {
        var always = results.Groups("tracing");
        if (always.Count == 0)
        {
            return;
        }

        var (rate, full) = always[0];
        var sampled = results.Runs("baseline", rate);
        text.AppendLine(CultureInfo.InvariantCulture, $"### What tracing every task costs ({rate}/s, default delays)").AppendLine();
        text.AppendLine("| traces | HTTP p50 | p99 | end-to-end p50 | p99 | CPU ms per task, all processes | of which the dashboard | stored/s during load |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var (label, runs) in new[] { ("1 % sampled (all other tables)", sampled), ("all (always_on, Aspire's default)", full) })
        {
            if (runs.Count == 0)
            {
                continue;
            }

            var total = Spread.Of(runs.Select(r => (double?)r["processes"]?.AsArray().OfType<JsonObject>().Sum(p => p.Number("cpuMsPerTask") ?? 0)));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {label} | {Ms(runs, "responseTimePercentiles.p50")} | {Ms(runs, "responseTimePercentiles.p99")} | {Ms(runs, "endToEnd.latencySeconds.p50")} | {Ms(runs, "endToEnd.latencySeconds.p99")} | {total.Show("F2")} | {Spread.Of(runs.Select(r => r.Component("dashboard").Number("cpuMsPerTask"))).Show("F2")} | {runs.Spread("endToEnd.storedPerSecDuringLoad").Show()} |");
        }

        text.AppendLine();
    }

    private void Pipeline(StringBuilder text)
    {
        var cost = results.Runs("pipeline", "cost");
        if (cost.Count == 0)
        {
            return;
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"### Pipeline without simulated work: CPU per task ({cost.Count} runs at {cost[0].Number("summary.targetRate"):F0}/s)").AppendLine();
        text.AppendLine("| part | CPU ms per stored task | share of the stages |").AppendLine("|---|---|---|");
        var perRunSums = cost.Select(r => Stages.Sum(s => r.Component(s).Number("cpuMsPerTask") ?? 0)).ToList();
        var sum = Spread.Of(perRunSums.Select(s => (double?)s))!;
        foreach (var component in Components)
        {
            var ms = Spread.Of(cost.Select(r => r.Component(component).Number("cpuMsPerTask")));
            if (ms is null)
            {
                continue;
            }

            var share = Stages.Contains(component) ? (ms.Median / sum.Median).ToString("P0", CultureInfo.InvariantCulture) : "(not a stage)";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {component} | {ms.Show("F3")} | {share} |");
        }

        var cores = Environment.ProcessorCount;
        var ceiling = Spread.Of(perRunSums.Select(s => (double?)(cores * 1000 / s)))!;
        text.AppendLine(CultureInfo.InvariantCulture, $"| **sum of the stages** | **{sum.Show("F3")}** | |").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Pipeline CPU ceiling = {cores} cores ÷ sum = **{ceiling.Show()} tasks/s** (1 ÷ sum, one core: {Spread.Of(perRunSums.Select(s => (double?)(1000 / s))).Show()}).").AppendLine();

        var sustain = results.Runs("pipeline", "sustain");
        if (sustain.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Sustained for 60 s ({sustain.Count} runs):").AppendLine();
            text.AppendLine("| offered | accepted/s | stored/s during load | ÷ ceiling | backlog growth | backlog at end of load | end-to-end p50 | p99 | HTTP p99 |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|");
            var ratio = Spread.Of(sustain.Select(r => r.Number("endToEnd.storedPerSecDuringLoad") / ceiling.Median));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {sustain[0].Number("summary.targetRate"):F0}/s | {sustain.Spread("summary.acceptedPerSec").Show()} | {sustain.Spread("endToEnd.storedPerSecDuringLoad").Show()} | {ratio.Show("F2")} | {sustain.Spread("endToEnd.backlogGrowthPerSec").Show("F1")}/s | {sustain.Spread("endToEnd.backlogAtLoadEnd").Show()} | {Ms(sustain, "endToEnd.latencySeconds.p50")} | {Ms(sustain, "endToEnd.latencySeconds.p99")} | {Ms(sustain, "responseTimePercentiles.p99")} |");
            text.AppendLine();
        }
    }

    /// <summary>bench/results/…/spin/RATE-SPINLIMIT-runN.json: the pipeline without delays, with and without thread-pool spinning.</summary>
    private void ThreadPoolSpinning(StringBuilder text)
    {
        var groups = results.Groups("spin");
        if (groups.Count == 0)
        {
            return;
        }

        text.AppendLine("### Thread-pool spinning (no simulated work)").AppendLine();
        text.AppendLine("| offered | DOTNET_ThreadPool_UnfairSemaphoreSpinLimit | stored/s during load | CPU ms per task, stages | CPU ms per task, all | CPU busy | end-to-end p50 | p99 | HTTP p99 |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (key, runs) in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var parts = key.Split('-');
            var stages = Spread.Of(runs.Select(r => (double?)Stages.Sum(c => r.Component(c).Number("cpuMsPerTask") ?? 0)));
            var all = Spread.Of(runs.Select(r => (double?)r["processes"]?.AsArray().OfType<JsonObject>().Sum(p => p.Number("cpuMsPerTask") ?? 0)));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {parts[0]}/s | {(parts.Length > 1 ? parts[1] : "?")} | {runs.Spread("endToEnd.storedPerSecDuringLoad").Show()} | {stages.Show("F2")} | {all.Show("F2")} | {Busy(runs).Show("F2")} | {Ms(runs, "endToEnd.latencySeconds.p50")} | {Ms(runs, "endToEnd.latencySeconds.p99")} | {Ms(runs, "responseTimePercentiles.p99")} |");
        }

        text.AppendLine();
    }

    private void Scaling(StringBuilder text)
    {
        var groups = results.Groups("scaling");
        if (groups.Count == 0)
        {
            return;
        }

        var baseline = groups[0].Runs.Spread("endToEnd.storedPerSecDuringLoad")?.Median ?? double.NaN;
        text.AppendLine(CultureInfo.InvariantCulture, $"### Scaling: processor replicas at {groups[0].Runs[0].Number("summary.targetRate"):F0}/s offered ({groups[0].Runs.Count} runs each)").AppendLine();
        text.AppendLine("| replicas | stored/s during load | × one replica | accepted/s | CPU busy (all processes) | end-to-end p50 |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var (key, runs) in groups)
        {
            var stored = runs.Spread("endToEnd.storedPerSecDuringLoad");
            var busy = Busy(runs);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {key} | {stored.Show()} | {(stored?.Median / baseline)?.ToString("F2", CultureInfo.InvariantCulture) ?? "–"} | {runs.Spread("summary.acceptedPerSec").Show()} | {busy.Show("F2")} of {Environment.ProcessorCount} cores | {Ms(runs, "endToEnd.latencySeconds.p50")} |");
        }

        text.AppendLine();
    }

    private void FailureInjection(StringBuilder text)
    {
        if (results.File("failure-injection.json") is not { } run)
        {
            return;
        }

        text.AppendLine("### Failure injection: kill -9 one processor mid-run").AppendLine();
        text.AppendLine("| offered | accepted | stored | lost | drain after load | end-to-end p99 |").AppendLine("|---|---|---|---|---|---|");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {run.Number("summary.targetRate"):F0}/s for {run.Number("summary.durationSeconds"):F0} s | {run.Number("statusCodeDistribution.202"):F0} | {run.Number("endToEnd.stored"):F0} | {run.Number("endToEnd.lost"):F0} | {run.Number("endToEnd.drainSeconds"):F1} s | {run.Number("endToEnd.latencySeconds.p99") * 1000:F0} ms |");
        text.AppendLine();
    }

    /// <summary>Cores in use on average over a run (load and drain), all processes together.</summary>
    private static Spread? Busy(IEnumerable<JsonObject> runs) =>
        Spread.Of(runs.Select(r => (double?)(r["processes"]?.AsArray().OfType<JsonObject>().Sum(p => p.Number("cores") ?? 0) ?? 0)));

    private static string Ms(IEnumerable<JsonObject> runs, string path) => runs.Spread(path, 1000).Show(path.Contains("endToEnd", StringComparison.Ordinal) ? "F0" : "F1") + " ms";
}
