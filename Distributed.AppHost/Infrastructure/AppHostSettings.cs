using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// Everything the AppHost reads from configuration (environment, .env via scripts/dev.sh, or
/// command-line arguments), each with its default. A value out of range stops the AppHost with a
/// message naming the variable, as the services' settings do.
/// </summary>
public sealed record AppHostSettings(
    InfrastructureMode Mode,
    string StateDirectory,
    string RepositoryRoot,
    int NatsPort,
    int NatsMonitorPort,
    int PostgresPort,
    int GatewayPort,
    int AggregatorPort,
    int ProcessorPort,
    int EnricherPort,
    int PrometheusPort,
    int GrafanaPort,
    bool Jaeger,
    int ProcessorReplicas,
    string NatsSyncInterval,
    int NatsClusterSize = 1,
    int NatsClusterPort = 6222,
    int EnricherReplicas = 1,
    int AggregatorReplicas = 1,
    bool Experiments = false)
{
    /// <summary>The variables the AppHost itself reads (the services' own pass through to them).</summary>
    public static readonly IReadOnlyList<string> Variables =
    [
        "DISTRIBUTED_INFRA", "DISTRIBUTED_STATE_DIR", "NATS_PORT", "NATS_MONITOR_PORT", "POSTGRES_PORT", "GATEWAY_ADDR",
        "AGGREGATOR_ADDR", "PROCESSOR_METRICS_PORT", "ENRICHER_METRICS_PORT", "PROMETHEUS_PORT", "GRAFANA_PORT",
        "DISTRIBUTED_TRACING", "PROCESSOR_REPLICAS", Infrastructure.NatsSyncInterval.VariableName,
        "NATS_CLUSTER_SIZE", "NATS_CLUSTER_PORT", "ENRICHER_REPLICAS", "AGGREGATOR_REPLICAS",
        ExperimentsVariable,
    ];

    /// <summary>The dashboard's experiment commands and the services' control listeners: on in a development run, never in a published model.</summary>
    public const string ExperimentsVariable = Distributed.Contracts.ControlSubjects.ExperimentsEnabledVariable;

    /// <summary>Copies of each stream: three survive a node's loss, and a smaller cluster holds one per node.</summary>
    public int StreamReplicas => Math.Min(3, NatsClusterSize);

    public string ScriptsDirectory => Path.Combine(RepositoryRoot, "scripts");

    public static AppHostSettings From(IConfiguration configuration, string appHostDirectory, bool publishing = false)
    {
        var repositoryRoot = Path.GetFullPath(Path.Combine(appHostDirectory, ".."));
        var stateDirectory = configuration["DISTRIBUTED_STATE_DIR"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(repositoryRoot, ".state");

        return new AppHostSettings(
            InfrastructureModeDetector.Resolve(configuration["DISTRIBUTED_INFRA"]),
            stateDirectory,
            repositoryRoot,
            Port(configuration, "NATS_PORT", 4222),
            Port(configuration, "NATS_MONITOR_PORT", 8222),
            Port(configuration, "POSTGRES_PORT", 5432),
            PortOf(configuration, "GATEWAY_ADDR", 3000),
            PortOf(configuration, "AGGREGATOR_ADDR", 3001),
            Port(configuration, "PROCESSOR_METRICS_PORT", 9091),
            Port(configuration, "ENRICHER_METRICS_PORT", 9090),
            Port(configuration, "PROMETHEUS_PORT", 9092),
            Port(configuration, "GRAFANA_PORT", 3003),
            string.Equals(configuration["DISTRIBUTED_TRACING"], "jaeger", StringComparison.OrdinalIgnoreCase),
            Number(configuration, "PROCESSOR_REPLICAS", 2, 1, 64),
            Infrastructure.NatsSyncInterval.Parse(configuration[Infrastructure.NatsSyncInterval.VariableName]),
            Number(configuration, "NATS_CLUSTER_SIZE", 1, 1, 5),
            Port(configuration, "NATS_CLUSTER_PORT", 6222),
            Number(configuration, "ENRICHER_REPLICAS", 1, 1, 64),
            Number(configuration, "AGGREGATOR_REPLICAS", 1, 1, 64),
            !publishing && Flag(configuration, ExperimentsVariable, true));
    }

    private static bool Flag(IConfiguration configuration, string key, bool fallback)
    {
        var configured = configuration[key];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return fallback;
        }

        return bool.TryParse(configured, out var value)
            ? value
            : throw new InvalidOperationException($"{key} must be true or false, not '{configured}'.");
    }

    private static int Port(IConfiguration configuration, string key, int fallback) =>
        Number(configuration, key, fallback, 1, 65535);

    /// <summary>The port of a host:port address such as GATEWAY_ADDR (the AppHost publishes the service there).</summary>
    public static int PortOf(IConfiguration configuration, string key, int fallback)
    {
        var address = configuration[key];
        if (string.IsNullOrWhiteSpace(address))
        {
            return fallback;
        }

        var separator = address.LastIndexOf(':');
        return separator >= 0 && int.TryParse(address.AsSpan(separator + 1).TrimEnd('/'), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535
            ? port
            : throw new InvalidOperationException($"{key} must be host:port with a port from 1 to 65535, not '{address}'.");
    }

    private static int Number(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        var configured = configuration[key];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return fallback;
        }

        return int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidOperationException($"{key} must be a whole number from {min} to {max}, not '{configured}'.");
    }
}
