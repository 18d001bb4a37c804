namespace Distributed.Contracts;

/// <summary>
/// Subjects that switch a running service's experiment flags (the AppHost's dashboard commands).
/// Every replica subscribes without a queue group, so one message reaches all of them, and each
/// answers with its state. No HTTP route leads here: the gateway only publishes on
/// <c>tasks.&lt;task_type&gt;</c>, and a task type cannot hold a dot (<see cref="TaskTypeRule"/>).
/// </summary>
public static class ControlSubjects
{
    /// <summary>Experiments are opt-in: the AppHost's local development run turns them on, deployments leave them off.</summary>
    public const string ExperimentsEnabledVariable = "EXPERIMENTS_ENABLED";

    public const string Prefix = "control.";
    public const string EnricherFaults = Prefix + "enricher.faults";
    public const string ProcessorIntake = Prefix + "processor.intake";

    /// <summary>On a reply: why the control message was not applied.</summary>
    public const string ErrorHeader = "Distributed-Control-Error";
}

/// <summary>Faults an enricher injects into its own answers. Off (all zero) when it starts.</summary>
public sealed record EnricherFaults(double ErrorRate, int ExtraLatencyMs) : IContractMessage
{
    public const int MaxExtraLatencyMs = 60_000;

    public static readonly EnricherFaults None = new(0, 0);

    public bool IsOff => ErrorRate == 0 && ExtraLatencyMs == 0;

    public string? Problem() =>
        ErrorRate is < 0 or > 1 || double.IsNaN(ErrorRate) ? "error_rate must be from 0 to 1"
        : ExtraLatencyMs is < 0 or > MaxExtraLatencyMs ? $"extra_latency_ms must be from 0 to {MaxExtraLatencyMs}"
        : null;

    public override string ToString() =>
        IsOff ? "healthy" : $"failing {ErrorRate:P0} of requests, {ExtraLatencyMs} ms added to each";
}

/// <summary>Whether a processor takes new tasks from the <c>processors</c> consumer. Taking them when it starts.</summary>
public sealed record ProcessorIntake(bool Paused) : IContractMessage
{
    public static readonly ProcessorIntake Running = new(false);

    public string? Problem() => null;

    public override string ToString() => Paused ? "paused" : "taking tasks";
}

/// <summary>A replica's answer on a control subject: who it is and its state after the message.</summary>
public sealed record ControlReply<TState>(string Instance, int ProcessId, TState State);
