using System.Text.Json.Nodes;
using Distributed.Bench.Ceilings;
using Distributed.Bench.Reporting;

namespace Distributed.Bench.Nats;

/// <summary><c>nats</c>: <c>nats bench</c>'s four tests, since the nats CLI is not installed here.</summary>
public static class NatsCommand
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var connections = BenchConnections.From(args);
        var bench = new NatsThroughput(connections.NatsUrl, args.Count("msgs", 200_000), args.Count("size", 128));
        var tests = args.Text("tests", "pub,pubsub,queue,reqreply").Split(',');
        var results = new JsonArray();
        foreach (var test in tests)
        {
            Console.Error.WriteLine($"nats {test} …");
            var result = test switch
            {
                "pub" => await bench.PublishAsync(),
                "pubsub" => await bench.PublishSubscribeAsync(),
                "queue" => await bench.QueueGroupAsync(args.Count("subscribers", 2)),
                "reqreply" => await bench.RequestReplyAsync(args.Count("outstanding", 64), args.Duration("duration", "10s")),
                _ => throw new ArgumentException($"unknown nats test '{test}' (pub, pubsub, queue, reqreply)"),
            };
            Console.Error.WriteLine($"  {result.MessagesPerSecond:N0} msgs/s ({result.Received}/{result.Sent})");
            results.Add(ToJson(result));
        }

        await JsonReport.WriteAsync(new JsonObject { ["size"] = args.Count("size", 128), ["nats"] = results }, args.Optional("json"));
        return 0;
    }

    public static JsonObject ToJson(NatsResult result)
    {
        var json = new JsonObject
        {
            ["test"] = result.Test,
            ["sent"] = result.Sent,
            ["received"] = result.Received,
            ["seconds"] = result.Elapsed.TotalSeconds,
            ["perSec"] = result.MessagesPerSecond,
        };
        if (result.LatencyMicros is { TotalCount: > 0 } latency)
        {
            json["latencySeconds"] = JsonReport.Percentiles(p => latency.GetValueAtPercentile(p) / 1e6);
        }

        return json;
    }
}
