using System.Diagnostics;
using NATS.Client.Core;

namespace Distributed.Messaging;

/// <summary>
/// Spans for the pipeline's own work, named and tagged as OpenTelemetry's messaging conventions
/// have them (<c>{operation} {destination}</c>, <c>messaging.*</c>), plus <c>task.request_id</c> and
/// <c>task.type</c> so a task can be found by its id. The pipeline writes the W3C trace context
/// into the headers of every message it sends and reads it back on receipt itself: NATS.Net's own
/// instrumentation wrote it only for recorded spans, and added spans for every delivery, ack and
/// inbox reply that said nothing about the task.
/// </summary>
public static class PipelineTracing
{
    public const string SourceName = "Distributed.Pipeline";
    public const string RequestIdTag = "task.request_id";
    public const string TaskTypeTag = "task.type";
    private const string TraceParentHeader = "traceparent";
    private const string TraceStateHeader = "tracestate";

    /// <summary>The W3C trace context headers a message may carry.</summary>
    public static readonly IReadOnlyList<string> TraceContextHeaderNames = [TraceParentHeader, TraceStateHeader];

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the span of processing one message, in the trace the message carries.</summary>
    public static Activity? StartProcessing(NatsHeaders? headers, string subject, string destinationTemplate)
    {
        // Started even when it is not recorded: as Activity.Current it carries the trace context
        // on to the messages this one leads to. Tags are only work when the span is kept.
        var activity = Source.StartActivity($"process {destinationTemplate}", ActivityKind.Consumer, ContextOf(headers));
        return TagMessaging(activity, "process", subject, destinationTemplate);
    }

    public static void TagTask(this Activity? activity, Guid requestId, string taskType)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(RequestIdTag, requestId.ToString());
            activity.SetTag(TaskTypeTag, taskType);
        }
    }

    /// <summary>
    /// Starts the span of sending one message, from publish to the server's answer (a JetStream
    /// ack or a reply); the message then carries this span's context. Inside a span that is not
    /// recorded there is none: a parent-based sampler would not record it either, and the message
    /// carries the unrecorded span's context, which holds the same trace id.
    /// </summary>
    public static Activity? StartSend(string subject, string destinationTemplate, ActivityKind kind = ActivityKind.Producer)
    {
        if (Activity.Current is { Recorded: false })
        {
            return null;
        }

        var operation = kind == ActivityKind.Client ? "request" : "publish";
        return TagMessaging(Source.StartActivity($"{operation} {destinationTemplate}", kind), "send", subject, destinationTemplate);
    }

    private static Activity? TagMessaging(Activity? activity, string operationType, string subject, string destinationTemplate)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "nats");
            activity.SetTag("messaging.operation.type", operationType);
            activity.SetTag("messaging.destination.name", subject);
            activity.SetTag("messaging.destination.template", destinationTemplate);
        }

        return activity;
    }

    /// <summary>
    /// A batch is its own trace, linked to the trace of every message in it (the messaging
    /// conventions' batch receive), so no task's trace carries the others' work.
    /// </summary>
    public static Activity? StartBatch(string destinationTemplate, IEnumerable<NatsHeaders?> messages)
    {
        var links = messages.Select(headers => ContextOf(headers)).Where(context => context != default)
            .Select(context => new ActivityLink(context)).ToList();
        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            var activity = Source.StartActivity($"process {destinationTemplate}", ActivityKind.Consumer, parentContext: default, links: links);
            activity?.SetTag("messaging.system", "nats");
            activity?.SetTag("messaging.operation.type", "process");
            activity?.SetTag("messaging.destination.template", destinationTemplate);
            activity?.SetTag("messaging.batch.message_count", links.Count);
            return activity;
        }
        finally
        {
            if (Activity.Current is null)
            {
                Activity.Current = current;
            }
        }
    }

    /// <summary>
    /// The last span of a task's own trace: its result was stored (or why not), linked to the
    /// batch that did it. Started and ended at once; what <paramref name="measure"/> records runs
    /// inside it, so a latency it observes carries the task's trace id as its exemplar (the batch's
    /// own trace would lead nowhere near the slow task).
    /// </summary>
    public static void RecordOutcome(NatsHeaders? headers, Guid requestId, string taskType, string outcome, string? error, Activity? batch, Action? measure = null)
    {
        var parent = ContextOf(headers);
        if (parent != default && (parent.TraceFlags & ActivityTraceFlags.Recorded) == 0)
        {
            // A sampled-out task: nothing in its trace is kept, so neither would this span be.
            measure?.Invoke();
            return;
        }

        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            ActivityLink[] links = batch is null ? [] : [new ActivityLink(batch.Context)];
            using var activity = Source.StartActivity($"{outcome} result", ActivityKind.Internal, parent, links: links);
            activity.TagTask(requestId, taskType);
            activity?.SetTag("task.outcome", outcome);
            if (error is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, error);
            }

            measure?.Invoke();
        }
        finally
        {
            Activity.Current = current;
        }
    }

    /// <summary>
    /// Adds the current trace context, recorded or not: a sampled-out task keeps its trace id all
    /// the way to its row.
    /// </summary>
    public static NatsHeaders WithTraceContext(this NatsHeaders headers)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            headers[TraceParentHeader] = activity.Id;
            if (activity.TraceStateString is { Length: > 0 } state)
            {
                headers[TraceStateHeader] = state;
            }
        }

        return headers;
    }

    /// <summary>Headers for a publish that has none of its own: null when there is no trace to carry.</summary>
    public static NatsHeaders? TraceContextHeaders() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } ? new NatsHeaders().WithTraceContext() : null;

    /// <summary>
    /// The W3C trace context a message carries, sampled or not.
    /// </summary>
    private static ActivityContext ContextOf(NatsHeaders? headers) =>
        headers is not null
        && headers.TryGetValue(TraceParentHeader, out var parent)
        && ActivityContext.TryParse(parent.ToString(), headers.TryGetValue(TraceStateHeader, out var state) ? state.ToString() : null, isRemote: true, out var context)
            ? context
            : default;

    /// <summary>The trace id carried by a message, or null when it carries none.</summary>
    public static string? TraceIdOf(NatsHeaders? headers)
    {
        var context = ContextOf(headers);
        return context.TraceId == default ? null : context.TraceId.ToHexString();
    }
}
