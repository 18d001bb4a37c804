using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Distributed.Messaging;
using NATS.Client.Core;

namespace Distributed.Bench;

/// <summary>
/// What <c>nats bench</c> measures, with NATS.Net: core publish, publish/subscribe, a queue
/// group sharing the messages, and request-reply with many requests outstanding.
/// Publisher and subscribers run in this process on their own connections.
/// </summary>
public sealed class NatsThroughput(string url, int messages, int size)
{
    private readonly byte[] _payload = new byte[size];

    /// <summary>The four tests in turn, one JSON line each.</summary>
    public async Task<int> RunAllAsync()
    {
        foreach (var test in new Func<Task<NatsResult>>[] { PublishAsync, PublishSubscribeAsync, () => QueueGroupAsync(2), () => RequestReplyAsync(64, TimeSpan.FromSeconds(10)) })
        {
            var result = await test();
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["test"] = result.Test,
                ["size"] = size,
                ["sent"] = result.Sent,
                ["received"] = result.Received,
                ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 3),
                ["msgs_per_s"] = Math.Round(result.MessagesPerSecond),
                ["latency_ms"] = result.LatencyMs.Length == 0 ? null! : new Dictionary<string, double>
                {
                    ["p50"] = OpenModelRun.Percentile(result.LatencyMs, 50),
                    ["p99"] = OpenModelRun.Percentile(result.LatencyMs, 99),
                },
            }));
        }

        return 0;
    }

    public async Task<NatsResult> PublishAsync()
    {
        await using var publisher = await ConnectAsync("bench-pub");
        var clock = Stopwatch.StartNew();
        await PublishAllAsync(publisher, "bench.nats.pub");
        await publisher.PingAsync(); // everything written has reached the server
        return new NatsResult("pub", messages, messages, clock.Elapsed);
    }

    public Task<NatsResult> PublishSubscribeAsync() => FanOutAsync("pubsub", 1, queueGroup: null);

    public Task<NatsResult> QueueGroupAsync(int subscribers) => FanOutAsync($"queue x{subscribers}", subscribers, "bench-workers");

    public async Task<NatsResult> RequestReplyAsync(int outstanding, TimeSpan duration)
    {
        const string subject = "bench.nats.rr";
        await using var responder = await ConnectAsync("bench-responder");
        await using var requester = await ConnectAsync("bench-requester");
        using var stop = new CancellationTokenSource();
        await using var subscription = await responder.SubscribeCoreAsync<byte[]>(subject, queueGroup: "bench-responders");
        var serving = Task.Run(async () =>
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(CancellationToken.None))
            {
                await msg.ReplyAsync(msg.Data);
            }
        });
        await requester.PingAsync();
        await responder.PingAsync();

        var latency = new ConcurrentQueue<double>();
        long completed = 0;
        stop.CancelAfter(duration);
        var clock = Stopwatch.StartNew();
        var clients = Enumerable.Range(0, outstanding).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var sent = clock.Elapsed;
                await requester.RequestAsync<byte[], byte[]>(subject, _payload);
                latency.Enqueue((clock.Elapsed - sent).TotalMilliseconds);
                Interlocked.Increment(ref completed);
            }
        }).ToArray();
        await Task.WhenAll(clients);
        var elapsed = clock.Elapsed;
        await subscription.UnsubscribeAsync();
        await serving;
        return new NatsResult($"request-reply x{outstanding}", completed, completed, elapsed, [.. latency.Order()]);
    }

    private async Task<NatsResult> FanOutAsync(string name, int subscribers, string? queueGroup)
    {
        var subject = "bench.nats." + name.Replace(' ', '-');
        var connections = new List<NatsConnection>();
        long received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readers = new List<Task>();
        var subscriptions = new List<INatsSub<byte[]>>();
        for (var i = 0; i < subscribers; i++)
        {
            var connection = await ConnectAsync($"bench-sub-{i}");
            connections.Add(connection);
            var subscription = await connection.SubscribeCoreAsync<byte[]>(subject, queueGroup);
            subscriptions.Add(subscription);
            await connection.PingAsync(); // the server knows the subscription before the first publish
            readers.Add(Task.Run(async () =>
            {
                await foreach (var _ in subscription.Msgs.ReadAllAsync())
                {
                    if (Interlocked.Increment(ref received) == messages)
                    {
                        done.TrySetResult();
                    }
                }
            }));
        }

        await using var publisher = await ConnectAsync("bench-pub");
        var clock = Stopwatch.StartNew();
        await PublishAllAsync(publisher, subject);
        await publisher.PingAsync();
        // Core NATS drops messages for a subscriber that falls too far behind: wait a little, then count.
        await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        var elapsed = clock.Elapsed;
        foreach (var subscription in subscriptions)
        {
            await subscription.UnsubscribeAsync();
        }

        await Task.WhenAll(readers);
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        return new NatsResult(name, messages, Interlocked.Read(ref received), elapsed);
    }

    private async Task PublishAllAsync(NatsConnection connection, string subject)
    {
        for (var i = 0; i < messages; i++)
        {
            await connection.PublishAsync(subject, _payload);
        }
    }

    private async Task<NatsConnection> ConnectAsync(string name)
    {
        var (bare, user, password) = NatsUrl.SplitCredentials(url);
        var connection = new NatsConnection(new NatsOpts
        {
            Url = bare,
            Name = name,
            AuthOpts = user is null ? NatsAuthOpts.Default : new NatsAuthOpts { Username = user, Password = password },
            SubPendingChannelCapacity = 65_536,
        });
        await connection.ConnectAsync();
        return connection;
    }
}

public sealed record NatsResult(string Test, long Sent, long Received, TimeSpan Elapsed, double[] LatencyMs)
{
    public NatsResult(string test, long sent, long received, TimeSpan elapsed)
        : this(test, sent, received, elapsed, [])
    {
    }

    public double MessagesPerSecond => Received / Elapsed.TotalSeconds;
}
