using System.Diagnostics;
using Distributed.Messaging;
using NATS.Client.Core;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Distributed.Tests.Unit;

/// <summary>
/// A task sampled out (OTEL_TRACES_SAMPLER=parentbased_traceidratio) records no span, yet its trace
/// id must travel on to the row: NATS.Net writes traceparent only for recorded spans, so the
/// pipeline writes it for the others.
/// </summary>
public sealed class TraceContextTests
{
    [Fact]
    public void A_sampled_out_task_still_hands_its_trace_id_to_the_next_message()
    {
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(PipelineTracing.SourceName)
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(0)))
            .Build();
        var traceId = ActivityTraceId.CreateRandom();
        var incoming = new NatsHeaders { ["traceparent"] = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-00" };

        using var processing = PipelineTracing.StartProcessing(incoming, "tasks.t", "tasks.*");

        Assert.NotNull(processing);
        Assert.False(processing.Recorded);
        var outgoing = new NatsHeaders().WithTraceContext();
        Assert.Equal(traceId, processing.TraceId);
        Assert.True(outgoing.ContainsKey("traceparent"), $"no traceparent written; current {Activity.Current?.Id} recorded {Activity.Current?.Recorded} format {Activity.Current?.IdFormat}");
        Assert.Equal(processing.Id, outgoing["traceparent"].ToString());
        Assert.Equal(traceId.ToHexString(), PipelineTracing.TraceIdOf(outgoing));
    }
}
