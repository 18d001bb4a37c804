using System.Diagnostics.Metrics;
using Distributed.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Messaging;

/// <summary>
/// The backlog of a durable consumer as gauges — messages waiting in the stream and messages
/// delivered but not yet acked — so a dashboard shows whether the pipeline keeps up. Read from
/// the consumer's info every few seconds, since no NATS exporter runs beside the server.
/// </summary>
public sealed class ConsumerBacklogMetrics : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly INatsJSContext _jetStream;
    private readonly JetStreamProvisioner _provisioner;
    private readonly string _stream;
    private readonly string _consumer;
    private long _pending;
    private long _ackPending;
    private long _up;

    public ConsumerBacklogMetrics(IMeterFactory meterFactory, INatsJSContext jetStream, JetStreamProvisioner provisioner, string stream, string consumer)
    {
        _jetStream = jetStream;
        _provisioner = provisioner;
        _stream = stream;
        _consumer = consumer;
        var meter = meterFactory.Create(PipelineMetrics.MeterName);
        var tags = new KeyValuePair<string, object?>[] { new("stream", stream), new("consumer", consumer) };
        meter.CreateObservableGauge("jetstream_consumer_pending_messages", () => new Measurement<long>(Interlocked.Read(ref _pending), tags),
            description: "Messages in the stream not yet delivered to the consumer.");
        meter.CreateObservableGauge("jetstream_consumer_ack_pending_messages", () => new Measurement<long>(Interlocked.Read(ref _ackPending), tags),
            description: "Messages delivered to the consumer and not yet acked.");
        meter.CreateObservableGauge("jetstream_up", () => new Measurement<long>(Interlocked.Read(ref _up), tags),
            description: "1 when JetStream answered the last look at this consumer (every few seconds), 0 when it did not.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _provisioner.WaitUntilReadyAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var consumer = await _jetStream.GetConsumerAsync(_stream, _consumer, stoppingToken);
                Interlocked.Exchange(ref _pending, (long)consumer.Info.NumPending);
                Interlocked.Exchange(ref _ackPending, consumer.Info.NumAckPending);
                Interlocked.Exchange(ref _up, 1);
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException)
            {
                // NATS or JetStream is away (or hangs): keep the last backlog until the next tick.
                Interlocked.Exchange(ref _up, 0);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
