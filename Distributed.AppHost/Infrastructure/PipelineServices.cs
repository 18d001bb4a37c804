using Distributed.Messaging;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// One of the four services as the AppHost wires it: its resource name, the assembly a person
/// runs by hand, the NATS identity it connects as, the variable that holds its listen address,
/// and the tuning variables passed through to it.
/// </summary>
public sealed record PipelineService(string Name, string Assembly, NatsIdentity Identity, string ListenVariable, IReadOnlyList<string> PassedThrough);

/// <summary>
/// The services' wiring in one place: the AppHost builds its model from it, and the tests'
/// launcher, which starts the same services as processes (inside network namespaces, say), takes
/// each one's identity and variables from it rather than from a copy.
/// </summary>
public static class PipelineServices
{
    public static readonly PipelineService Enricher = new("enricher", "Distributed.Enricher", NatsIdentities.Enricher, "METRICS_ADDR", ServiceVariables.Enricher);

    public static readonly PipelineService Processor = new("processor", "Distributed.Processor", NatsIdentities.Processor, "METRICS_ADDR", ServiceVariables.Processor);

    public static readonly PipelineService Aggregator = new("aggregator", "Distributed.Aggregator", NatsIdentities.Aggregator, "AGGREGATOR_ADDR", ServiceVariables.Aggregator);

    public static readonly PipelineService Gateway = new("gateway", "Distributed.Gateway", NatsIdentities.Gateway, "GATEWAY_ADDR", ServiceVariables.Gateway);

    public static IReadOnlyList<PipelineService> All { get; } = [Enricher, Processor, Aggregator, Gateway];
}
