using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Tests.Integration;

[Collection(AppHostCollection.Name)]
public sealed class ObservabilityTests(AppHostFixture topology)
{
    [Theory]
    [InlineData("gateway", new[] { "http_requests_total", "http_request_duration_seconds_bucket", "nats_messages_published_total" })]
    [InlineData("aggregator", new[] { "http_requests_total", "http_request_duration_seconds_bucket", "nats_messages_received_total" })]
    [InlineData("processor", new[] { "nats_messages_received_total", "nats_messages_published_total", "processing_duration_seconds_bucket" })]
    [InlineData("enricher", new[] { "nats_messages_received_total" })]
    public async Task Each_service_exposes_the_spec_metric_names(string service, string[] metrics)
    {
        // Traffic first, so that every counter has a sample.
        var accepted = await topology.Gateway.SubmitAsync("metrics", "{}");
        await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(accepted.RequestId), r => r is not null, TimeSpan.FromSeconds(60), "a stored result");
        await topology.Aggregator.StatsAsync();

        using var client = topology.CreateClient(service);
        var text = await Eventually.MatchAsync(
            () => client.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            body => metrics.All(name => body.Contains(name + "{", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            $"{service} metrics {string.Join(", ", metrics)}");

        // Histograms, not summaries: the latency panels of the original's dashboard need buckets.
        foreach (var histogram in metrics.Where(name => name.EndsWith("_bucket", StringComparison.Ordinal)))
        {
            Assert.Contains($"# TYPE {histogram[..^"_bucket".Length]} histogram", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Health_and_liveness_answer_on_every_service()
    {
        foreach (var service in new[] { "gateway", "aggregator", "processor", "enricher" })
        {
            using var client = topology.CreateClient(service);
            Assert.Equal("Healthy", await client.GetStringAsync(new Uri("/health", UriKind.Relative)));
            Assert.Equal("Healthy", await client.GetStringAsync(new Uri("/alive", UriKind.Relative)));
        }
    }

    [Fact]
    public async Task The_enricher_is_discoverable_as_a_nats_micro_service()
    {
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var reply = await nats.RequestAsync<byte[], string>("$SRV.INFO.enricher", [], replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(5) });

        Assert.Contains("\"name\":\"enricher\"", reply.Data, StringComparison.Ordinal);
        Assert.Contains("enrich.request", reply.Data, StringComparison.Ordinal);
        Assert.Contains("\"queue_group\":\"enrichers\"", reply.Data, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tasks.garbage", "deadletter.processor")]
    [InlineData("results.garbage", "deadletter.aggregator")]
    public async Task An_undecodable_message_is_moved_to_the_dead_letter_stream_with_its_reason(string subject, string deadLetterSubject)
    {
        await using var nats = NatsTestClient.Connect(await topology.NatsUrlAsync());
        var jetStream = new NatsJSContext(nats);
        var marker = "poison-" + Guid.NewGuid().ToString("N");
        var ack = await jetStream.PublishAsync(subject, Encoding.UTF8.GetBytes("{not json " + marker));
        ack.EnsureSuccess();

        var consumer = await jetStream.CreateOrderedConsumerAsync("DEADLETTER", new NatsJSOrderedConsumerOpts { FilterSubjects = [deadLetterSubject] });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        INatsJSMsg<byte[]>? found = null;
        await foreach (var msg in consumer.ConsumeAsync<byte[]>(cancellationToken: timeout.Token))
        {
            if (Encoding.UTF8.GetString(msg.Data ?? []).Contains(marker, StringComparison.Ordinal))
            {
                found = msg;
                break;
            }
        }

        Assert.NotNull(found);
        Assert.Equal(subject, found.Headers!["Distributed-Original-Subject"].ToString());
        Assert.Contains("invalid", found.Headers!["Distributed-Deadletter-Reason"].ToString(), StringComparison.Ordinal);

        // Acked, not retried forever: the work stream holds nothing for that subject any more.
        var stream = subject.StartsWith("tasks.", StringComparison.Ordinal) ? "TASKS" : "RESULTS";
        await Eventually.MatchAsync(
            async () => (await jetStream.GetStreamAsync(stream, new StreamInfoRequest { SubjectsFilter = subject })).Info.State.Subjects?.Count ?? 0,
            pending => pending == 0,
            TimeSpan.FromSeconds(30),
            $"{subject} to leave {stream}");
    }
}
