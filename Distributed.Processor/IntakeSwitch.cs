using Distributed.Experiments;
using System.Diagnostics.Metrics;
using Distributed.Contracts;
using Distributed.Messaging;

namespace Distributed.Processor;

/// <summary>
/// Whether this replica takes new tasks ("Pause"/"Resume" in the dashboard): the consume loop's
/// <see cref="ReceiveGate"/>, closed by an operator instead of by a dependency. Paused, it finishes
/// the tasks it holds and pulls no more, so the backlog grows in the stream where it is safe and
/// any replica drains it later. Taking tasks again on every start.
/// </summary>
public sealed class IntakeSwitch : IControllable<ProcessorIntake>, IDisposable
{
    private readonly ReceiveGate _gate = new();

    public IntakeSwitch(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(PipelineMetrics.MeterName);
        meter.CreateObservableGauge("processor_intake_paused", () => _gate.IsOpen ? 0 : 1,
            description: "1 while this processor is paused (an experiment flag) and takes no new tasks.");
    }

    public ProcessorIntake Current => new(!_gate.IsOpen);

    /// <summary>Waits until intake is on, then gives a token that is cancelled when it is paused.</summary>
    public Task<CancellationToken> WhenTakingAsync(CancellationToken stoppingToken) => _gate.WhenOpenAsync(stoppingToken);

    public void Apply(ProcessorIntake state)
    {
        if (state.Paused)
        {
            _gate.Close();
        }
        else
        {
            _gate.Open();
        }
    }

    public void Dispose() => _gate.Dispose();
}
