namespace Distributed.Bench.Load;

/// <summary>
/// One HTTP load run: open model (a fixed <see cref="Rate"/>) unless <see cref="Connections"/>
/// is set, then closed loop (that many clients, each sending as soon as its answer is back).
/// </summary>
public sealed record LoadOptions(
    Uri Target,
    double Rate,
    int? Connections,
    TimeSpan Duration,
    int MaxInFlight,
    string TaskType,
    TimeSpan Timeout)
{
    public bool ClosedLoop => Connections is not null;

    public static LoadOptions From(Arguments args) => new(
        new Uri(args.Text("url", "http://127.0.0.1:3000")),
        args.Number("rate", 100),
        args.Optional("connections") is null ? null : args.Count("connections", 64),
        args.Duration("duration", "10s"),
        args.Count("max-in-flight", 2048),
        args.Text("task-type", "bench"),
        args.Duration("timeout", "30s"));
}
