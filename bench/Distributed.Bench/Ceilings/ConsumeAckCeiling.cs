using System.Diagnostics;
using Distributed.Contracts;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Bench.Ceilings;

/// <summary>
/// JetStream consume-and-ack: a stream is filled with task-sized messages first, then one pull
/// consumer takes and acks them one by one, as a processor does (without the work in between).
/// </summary>
public static class ConsumeAckCeiling
{
    private const string Stream = "BENCH_CONSUME";

    public static async Task<CeilingResult> RunAsync(string natsUrl, int messages)
    {
        await using var nats = BenchConnections.Connect(natsUrl, "bench-consume");
        var jetStream = new NatsJSContext(nats);
        await DeleteIfExistsAsync(jetStream);
        await jetStream.CreateStreamAsync(new StreamConfig(Stream, ["bench.consume.>"])
        {
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Workqueue,
        });

        try
        {
            var payload = ContractJson.Serialize(new TaskMessage(Guid.NewGuid(), "bench", RawJson.FromText("""{"seq":1,"value":42}"""), DateTimeOffset.UtcNow));
            var publishes = new List<Task>(512);
            for (var i = 0; i < messages; i++)
            {
                publishes.Add(jetStream.PublishAsync("bench.consume.tasks", payload).AsTask());
                if (publishes.Count == 512)
                {
                    await Task.WhenAll(publishes);
                    publishes.Clear();
                }
            }

            await Task.WhenAll(publishes);

            var consumer = await jetStream.CreateOrUpdateConsumerAsync(Stream, new ConsumerConfig("bench") { AckPolicy = ConsumerConfigAckPolicy.Explicit, MaxAckPending = 10_000 });
            var clock = Stopwatch.StartNew();
            var acked = 0;
            await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = 512 }))
            {
                await msg.AckAsync();
                if (++acked == messages)
                {
                    break;
                }
            }

            return new CeilingResult("JetStream consume + ack", acked / clock.Elapsed.TotalSeconds, "msgs/s");
        }
        finally
        {
            await DeleteIfExistsAsync(jetStream);
        }
    }

    private static async Task DeleteIfExistsAsync(NatsJSContext jetStream)
    {
        try
        {
            await jetStream.DeleteStreamAsync(Stream);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
        }
    }
}
