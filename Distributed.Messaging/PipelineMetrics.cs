using System.Diagnostics.Metrics;
using Distributed.Contracts;

namespace Distributed.Messaging;

/// <summary>
/// The pipeline's own instruments. Names are chosen so that the Prometheus exporter renders
/// the original system's metric names (counters gain <c>_total</c>, seconds gain <c>_seconds</c>),
/// which keeps its Grafana dashboard working.
/// </summary>
public sealed class PipelineMetrics
{
    public const string MeterName = "Distributed";

    /// <summary>Bucket bounds in seconds, from sub-millisecond to the enrichment timeout and beyond.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>End-to-end buckets reach further: a task may wait out an outage before it is stored.</summary>
    public static readonly IReadOnlyList<double> EndToEndBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly Counter<long> _published;
    private readonly Counter<long> _received;
    private readonly Histogram<double> _processing;
    private readonly Counter<long> _degraded;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _enriched;
    private readonly Histogram<double> _endToEnd;
    private readonly UpDownCounter<long> _holding;

    public PipelineMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("nats_messages_published", description: "Messages published to NATS, by subject.");
        _received = meter.CreateCounter<long>("nats_messages_received", description: "Messages received from NATS, by subject.");
        _processing = meter.CreateHistogram("processing_duration", "s", "Time a processor spends on one task.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _degraded = meter.CreateCounter<long>("tasks_degraded", description: "Tasks stored without enrichment after the enricher kept failing.");
        _deadLettered = meter.CreateCounter<long>("deadletter_messages", description: "Undecodable messages moved to deadletter.<stage>.");
        _stored = meter.CreateCounter<long>("results_stored", description: "Results newly written to PostgreSQL (duplicates excluded).");
        _enriched = meter.CreateCounter<long>("enrichments", description: "Enrichment replies served.");
        _endToEnd = meter.CreateHistogram("task_end_to_end", "s", "From the gateway accepting a task to its result being stored.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = EndToEndBuckets });
        _holding = meter.CreateUpDownCounter<long>("consumer_holding_batches",
            description: "Batches a consumer holds because their dependency (PostgreSQL) cannot take them; above 0 while it is away.");
    }

    public void Published(string subject) => _published.Add(1, new KeyValuePair<string, object?>("subject", SubjectLabel(subject)));

    public void Received(string subject) => _received.Add(1, new KeyValuePair<string, object?>("subject", SubjectLabel(subject)));

    /// <summary>
    /// The subject as a label: clients choose task types, so <c>tasks.&lt;type&gt;</c> and
    /// <c>results.&lt;type&gt;</c> are counted under their wildcard, as the original did, and a
    /// client cannot grow the number of series.
    /// </summary>
    public static string SubjectLabel(string subject) =>
        subject.StartsWith(Subjects.TasksPrefix, StringComparison.Ordinal) ? Subjects.TasksPrefix + "*"
        : subject.StartsWith(Subjects.ResultsPrefix, StringComparison.Ordinal) ? Subjects.ResultsPrefix + "*"
        : subject;

    public void Processed(TimeSpan elapsed) => _processing.Record(elapsed.TotalSeconds);

    public void Degraded() => _degraded.Add(1);

    /// <summary>
    /// Shows the failure counters at zero from the start: a series that does not exist yet
    /// cannot be told from a metric that is missing, on a dashboard or in an alert.
    /// </summary>
    public void ExposeFailureCounters(string? deadLetterStage = null, bool degraded = false)
    {
        if (deadLetterStage is not null)
        {
            _deadLettered.Add(0, new KeyValuePair<string, object?>("stage", deadLetterStage));
        }

        if (degraded)
        {
            _degraded.Add(0);
        }
    }

    /// <summary>Shows <c>consumer_holding_batches</c> at zero from the start, for a stage that holds batches.</summary>
    public void ExposeHolding(string stage) => _holding.Add(0, new KeyValuePair<string, object?>("stage", stage));

    /// <summary>A batch is held while its dependency is away (true), or no longer (false).</summary>
    public void Holding(string stage, bool held) => _holding.Add(held ? 1 : -1, new KeyValuePair<string, object?>("stage", stage));

    public void DeadLettered(string stage) => _deadLettered.Add(1, new KeyValuePair<string, object?>("stage", stage));

    public void Stored(long count) => _stored.Add(count);

    public void StoredAfter(TimeSpan endToEnd) => _endToEnd.Record(Math.Max(0, endToEnd.TotalSeconds));

    public void Enriched() => _enriched.Add(1);
}
