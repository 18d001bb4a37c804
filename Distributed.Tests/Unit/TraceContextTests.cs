using System.Diagnostics;
using Distributed.Messaging;
using NATS.Client.Core;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Distributed.Tests.Unit;

/// <summary>
/// The pipeline carries the W3C trace context in message headers itself (NATS.Net's
/// instrumentation is not used): a task sampled out (OTEL_TRACES_SAMPLER=parentbased_traceidratio)
/// records no span, yet its trace id must travel on to the row; a recorded one must hand the next
/// service the span that sent the message, so the trace nests.
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
        // No span of its own inside an unrecorded one: the message carries the processing span's context.
        Assert.Null(PipelineTracing.StartSend("results.t", "results.*"));
        var outgoing = new NatsHeaders().WithTraceContext();
        Assert.Equal(traceId, processing.TraceId);
        Assert.True(outgoing.ContainsKey("traceparent"), $"no traceparent written; current {Activity.Current?.Id} recorded {Activity.Current?.Recorded} format {Activity.Current?.IdFormat}");
        Assert.Equal(processing.Id, outgoing["traceparent"].ToString());
        Assert.Equal(traceId.ToHexString(), PipelineTracing.TraceIdOf(outgoing));
    }

    [Fact]
    public void A_recorded_task_hands_on_the_span_that_sent_the_message()
    {
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(PipelineTracing.SourceName)
            .SetSampler(new AlwaysOnSampler())
            .Build();
        var incoming = new NatsHeaders { ["traceparent"] = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01" };

        using var processing = PipelineTracing.StartProcessing(incoming, "tasks.t", "tasks.*");
        using var send = PipelineTracing.StartSend("results.t", "results.*");

        Assert.NotNull(send);
        Assert.True(send.Recorded);
        Assert.Equal("publish results.*", send.DisplayName);
        // The dashboard names a messaging span by its system and destination: "MSG nats results.t".
        Assert.Equal("results.t", send.GetTagItem("messaging.destination.name"));
        Assert.Equal(processing!.SpanId, send.ParentSpanId);
        var outgoing = PipelineTracing.TraceContextHeaders();
        Assert.NotNull(outgoing);
        Assert.Equal(send.Id, outgoing["traceparent"].ToString());
    }

    [Fact]
    public void Without_a_trace_nothing_is_written()
    {
        Activity.Current = null;

        Assert.Null(PipelineTracing.TraceContextHeaders());
        Assert.False(new NatsHeaders().WithTraceContext().ContainsKey("traceparent"));
    }
}
