using System.Diagnostics.Metrics;
using Distributed.Contracts;
using Distributed.Messaging;

namespace Distributed.Processor;

/// <summary>
/// Whether this replica takes new tasks ("Pause"/"Resume" in the dashboard). Paused, it finishes
/// the tasks it holds and pulls no more, so the backlog grows in the stream where it is safe
/// and any replica drains it later. Taking tasks again on every start.
/// </summary>
public sealed class IntakeSwitch : IControllable<ProcessorIntake>, IDisposable
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _resumed = CompletedSource();
    private CancellationTokenSource _paused = new();
    private bool _isPaused;

    public IntakeSwitch(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(PipelineMetrics.MeterName);
        meter.CreateObservableGauge("processor_intake_paused", () => Current.Paused ? 1 : 0,
            description: "1 while this processor is paused (an experiment flag) and takes no new tasks.");
    }

    public ProcessorIntake Current
    {
        get
        {
            lock (_gate)
            {
                return new ProcessorIntake(_isPaused);
            }
        }
    }

    /// <summary>Waits until intake is on, then gives a token that is cancelled when it is paused.</summary>
    public async Task<CancellationToken> WhenTakingAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            Task resumed;
            lock (_gate)
            {
                if (!_isPaused)
                {
                    return _paused.Token;
                }

                resumed = _resumed.Task;
            }

            await resumed.WaitAsync(stoppingToken);
        }
    }

    public void Apply(ProcessorIntake state)
    {
        CancellationTokenSource? toCancel = null;
        TaskCompletionSource? toRelease = null;
        CancellationTokenSource? spent = null;
        lock (_gate)
        {
            if (state.Paused == _isPaused)
            {
                return;
            }

            _isPaused = state.Paused;
            if (state.Paused)
            {
                _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                toCancel = _paused;
            }
            else
            {
                spent = _paused;
                _paused = new CancellationTokenSource();
                toRelease = _resumed;
            }
        }

        // Outside the lock: cancelling runs the consumer's callbacks on this thread.
        toCancel?.Cancel();
        toRelease?.TrySetResult();
        spent?.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _paused.Dispose();
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
