using Distributed.Experiments;
using System.Diagnostics.Metrics;
using Distributed.Contracts;
using Distributed.Messaging;

namespace Distributed.Enricher;

/// <summary>
/// The enricher's experiment flags ("Fail requests", "Slow down" in the dashboard): off when the
/// process starts, switched only over <see cref="ControlSubjects.EnricherFaults"/>, and shown as
/// gauges so a dashboard tells injected failures from real ones.
/// </summary>
public sealed class FaultInjection : IControllable<EnricherFaults>
{
    private readonly Counter<long> _injectedErrors;
    private volatile EnricherFaults _current = EnricherFaults.None;

    public FaultInjection(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(PipelineMetrics.MeterName);
        meter.CreateObservableGauge("enricher_injected_error_rate", () => _current.ErrorRate,
            description: "Share of enrichment requests the enricher fails on purpose (an experiment flag; 0 normally).");
        meter.CreateObservableGauge("enricher_injected_latency", () => _current.ExtraLatencyMs / 1000.0, "s",
            "Latency the enricher adds to every request on purpose (an experiment flag; 0 normally).");
        _injectedErrors = meter.CreateCounter<long>("enricher_injected_errors", description: "Enrichment requests failed on purpose.");
    }

    public EnricherFaults Current => _current;

    public void Apply(EnricherFaults state) => _current = state;

    public TimeSpan ExtraLatency => TimeSpan.FromMilliseconds(_current.ExtraLatencyMs);

    /// <summary>Whether this request fails, drawn at the configured rate.</summary>
    public bool ShouldFail()
    {
        var rate = _current.ErrorRate;
        if (rate <= 0 || Random.Shared.NextDouble() >= rate)
        {
            return false;
        }

        _injectedErrors.Add(1);
        return true;
    }
}
