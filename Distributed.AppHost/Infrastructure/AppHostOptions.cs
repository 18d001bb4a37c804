using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// What the AppHost reads itself, bound and validated the one way the services' settings are
/// (<c>SettingsExtensions.Read</c>): each property names its variable, a bad value stops the
/// AppHost with a message naming it. <see cref="AppHostSettings"/> is what they resolve to.
/// </summary>
public sealed class AppHostOptions : IValidatableObject
{
    [ConfigurationKeyName("DISTRIBUTED_INFRA")]
    public string? Mode { get; set; }

    [ConfigurationKeyName("DISTRIBUTED_STATE_DIR")]
    public string? StateDirectory { get; set; }

    [ConfigurationKeyName("NATS_PORT")]
    [Range(1, 65535)]
    public int NatsPort { get; set; } = 4222;

    [ConfigurationKeyName("NATS_MONITOR_PORT")]
    [Range(1, 65535)]
    public int NatsMonitorPort { get; set; } = 8222;

    [ConfigurationKeyName("NATS_CLUSTER_SIZE")]
    [Range(1, 5)]
    public int NatsClusterSize { get; set; } = 1;

    [ConfigurationKeyName("NATS_CLUSTER_PORT")]
    [Range(1, 65535)]
    public int NatsClusterPort { get; set; } = 6222;

    [ConfigurationKeyName(Distributed.AppHost.Infrastructure.NatsSyncInterval.VariableName)]
    public string? NatsSyncInterval { get; set; }

    [ConfigurationKeyName("POSTGRES_PORT")]
    [Range(1, 65535)]
    public int PostgresPort { get; set; } = 5432;

    /// <summary>host:port; the AppHost publishes the gateway on its port.</summary>
    [ConfigurationKeyName("GATEWAY_ADDR")]
    public string? GatewayAddress { get; set; }

    [ConfigurationKeyName("AGGREGATOR_ADDR")]
    public string? AggregatorAddress { get; set; }

    [ConfigurationKeyName("PROCESSOR_METRICS_PORT")]
    [Range(1, 65535)]
    public int ProcessorPort { get; set; } = 9091;

    [ConfigurationKeyName("ENRICHER_METRICS_PORT")]
    [Range(1, 65535)]
    public int EnricherPort { get; set; } = 9090;

    [ConfigurationKeyName("PROMETHEUS_PORT")]
    [Range(1, 65535)]
    public int PrometheusPort { get; set; } = 9092;

    [ConfigurationKeyName("GRAFANA_PORT")]
    [Range(1, 65535)]
    public int GrafanaPort { get; set; } = 3003;

    /// <summary><c>jaeger</c> adds Jaeger behind an OpenTelemetry Collector (container mode).</summary>
    [ConfigurationKeyName("DISTRIBUTED_TRACING")]
    public string? Tracing { get; set; }

    [ConfigurationKeyName("PROCESSOR_REPLICAS")]
    [Range(1, 64)]
    public int ProcessorReplicas { get; set; } = 2;

    [ConfigurationKeyName("ENRICHER_REPLICAS")]
    [Range(1, 64)]
    public int EnricherReplicas { get; set; } = 1;

    [ConfigurationKeyName("AGGREGATOR_REPLICAS")]
    [Range(1, 64)]
    public int AggregatorReplicas { get; set; } = 1;

    /// <summary>The dashboard's experiment commands and the services' control listeners: on in a development run, never in a published model.</summary>
    [ConfigurationKeyName(Distributed.Contracts.ControlSubjects.ExperimentsEnabledVariable)]
    public bool Experiments { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (variable, address) in new[] { ("GATEWAY_ADDR", GatewayAddress), ("AGGREGATOR_ADDR", AggregatorAddress) })
        {
            if (address is not null && PortOf(address) is null)
            {
                yield return new ValidationResult($"{variable} must be host:port with a port from 1 to 65535, not '{address}'.", [variable]);
            }
        }

        foreach (var check in new Action[] { () => InfrastructureModeDetector.Resolve(Mode), () => Distributed.AppHost.Infrastructure.NatsSyncInterval.Parse(NatsSyncInterval) })
        {
            string? problem = null;
            try
            {
                check();
            }
            catch (InvalidOperationException ex)
            {
                problem = ex.Message;
            }

            if (problem is not null)
            {
                yield return new ValidationResult(problem);
            }
        }
    }

    /// <summary>The port of a host:port address such as GATEWAY_ADDR, or null when it names none.</summary>
    public static int? PortOf(string address)
    {
        var separator = address.LastIndexOf(':');
        return separator >= 0 && int.TryParse(address.AsSpan(separator + 1).TrimEnd('/'), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535
            ? port
            : null;
    }
}
