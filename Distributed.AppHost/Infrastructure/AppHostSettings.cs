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
        [.. typeof(AppHostOptions).GetProperties().Select(Microsoft.Extensions.Hosting.SettingsExtensions.VariableOf)];

    public const string ExperimentsVariable = Distributed.Contracts.ControlSubjects.ExperimentsEnabledVariable;

    /// <summary>Copies of each stream: three survive a node's loss, and a smaller cluster holds one per node.</summary>
    public int StreamReplicas => Math.Min(3, NatsClusterSize);

    public string ScriptsDirectory => Path.Combine(RepositoryRoot, "scripts");

    public static AppHostSettings From(IConfiguration configuration, string appHostDirectory, bool publishing = false)
    {
        var options = Microsoft.Extensions.Hosting.SettingsExtensions.Read<AppHostOptions>(configuration);
        var repositoryRoot = Path.GetFullPath(Path.Combine(appHostDirectory, ".."));
        return new AppHostSettings(
            InfrastructureModeDetector.Resolve(options.Mode),
            options.StateDirectory is { } configured ? Path.GetFullPath(configured) : Path.Combine(repositoryRoot, ".state"),
            repositoryRoot,
            options.NatsPort,
            options.NatsMonitorPort,
            options.PostgresPort,
            options.GatewayAddress is { } gateway ? AppHostOptions.PortOf(gateway)!.Value : 3000,
            options.AggregatorAddress is { } aggregator ? AppHostOptions.PortOf(aggregator)!.Value : 3001,
            options.ProcessorPort,
            options.EnricherPort,
            options.PrometheusPort,
            options.GrafanaPort,
            string.Equals(options.Tracing, "jaeger", StringComparison.OrdinalIgnoreCase),
            options.ProcessorReplicas,
            Infrastructure.NatsSyncInterval.Parse(options.NatsSyncInterval),
            options.NatsClusterSize,
            options.NatsClusterPort,
            options.EnricherReplicas,
            options.AggregatorReplicas,
            !publishing && options.Experiments);
    }
}
