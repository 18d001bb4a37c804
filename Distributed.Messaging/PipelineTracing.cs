using System.Diagnostics;
using NATS.Client.Core;

namespace Distributed.Messaging;

/// <summary>
/// Spans for the pipeline's own work, named and tagged as OpenTelemetry's messaging conventions
/// have them (<c>{operation} {destination}</c>, <c>messaging.*</c>), plus <c>task.request_id</c> and
/// <c>task.type</c> so a task can be found by its id. NATS.Net writes the W3C trace context into
/// message headers on publish; a consumer continues the trace from there.
/// </summary>
public static class PipelineTracing
{
    public const string SourceName = "Distributed.Pipeline";
    public const string RequestIdTag = "task.request_id";
    public const string TaskTypeTag = "task.type";
    private const string TraceParentHeader = "traceparent";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the span of processing one message, in the trace the message carries.</summary>
    public static Activity? StartProcessing(NatsHeaders? headers, string subject, string destinationTemplate)
    {
        var activity = Source.StartActivity($"process {destinationTemplate}", ActivityKind.Consumer, ContextOf(headers));
        activity?.SetTag("messaging.system", "nats");
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", subject);
        activity?.SetTag("messaging.destination.template", destinationTemplate);
        return activity;
    }

    public static void TagTask(this Activity? activity, Guid requestId, string taskType)
    {
        activity?.SetTag(RequestIdTag, requestId.ToString());
        activity?.SetTag(TaskTypeTag, taskType);
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
    /// batch that did it. Started and ended at once; it only records the outcome.
    /// </summary>
    public static void RecordOutcome(NatsHeaders? headers, Guid requestId, string taskType, string outcome, string? error, Activity? batch)
    {
        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            ActivityLink[] links = batch is null ? [] : [new ActivityLink(batch.Context)];
            using var activity = Source.StartActivity($"{outcome} result", ActivityKind.Internal, ContextOf(headers), links: links);
            activity.TagTask(requestId, taskType);
            activity?.SetTag("task.outcome", outcome);
            if (error is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, error);
            }
        }
        finally
        {
            Activity.Current = current;
        }
    }

    /// <summary>
    /// Adds the current trace context when its span is not recorded (sampled out): NATS.Net writes
    /// <c>traceparent</c> only for a recorded span, and without it the next service would start a
    /// new trace and the stored row's trace_id would not be the task's.
    /// </summary>
    public static NatsHeaders WithTraceContext(this NatsHeaders headers)
    {
        if (UnrecordedW3C() is { } activity && !headers.ContainsKey(TraceParentHeader))
        {
            headers[TraceParentHeader] = activity.Id;
            if (activity.TraceStateString is { Length: > 0 } state)
            {
                headers["tracestate"] = state;
            }
        }

        return headers;
    }

    /// <summary>Headers for a publish that has none of its own: null unless the trace context needs writing.</summary>
    public static NatsHeaders? TraceContextHeaders() => UnrecordedW3C() is null ? null : new NatsHeaders().WithTraceContext();

    /// <summary>
    /// The W3C trace context a message carries, sampled or not. (NATS.Net's own reader gave an empty
    /// context for a sampled-out one, so its task's spans began a new trace.)
    /// </summary>
    private static ActivityContext ContextOf(NatsHeaders? headers) =>
        headers is not null
        && headers.TryGetValue(TraceParentHeader, out var parent)
        && ActivityContext.TryParse(parent.ToString(), headers.TryGetValue("tracestate", out var state) ? state.ToString() : null, isRemote: true, out var context)
            ? context
            : default;

    private static Activity? UnrecordedW3C() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: false } activity ? activity : null;

    /// <summary>The trace id carried by a message, or null when it carries none.</summary>
    public static string? TraceIdOf(NatsHeaders? headers)
    {
        var context = ContextOf(headers);
        return context.TraceId == default ? null : context.TraceId.ToHexString();
    }
}
