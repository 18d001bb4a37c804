using System.Reflection;
using Distributed.Aggregator.Data;
using Distributed.Aggregator.Ingestion;
using Distributed.AppHost.Infrastructure;
using Distributed.Enricher;
using Distributed.Gateway;
using Distributed.Messaging;
using Distributed.Processor;
using Distributed.ServiceDefaults.Http;

namespace Distributed.Tests.Unit;

/// <summary>Every environment variable the code reads, taken from the code itself.</summary>
public static class ConfigurationCatalog
{
    public static readonly Type[] SettingsTypes =
        [typeof(ProcessorOptions), typeof(EnricherOptions), typeof(IngestionOptions), typeof(GatewayOptions), typeof(StreamLimits), typeof(TopologySettings), typeof(Distributed.Provisioning.ProvisioningOptions)];

    /// <summary>What a service started by hand reads.</summary>
    public static HashSet<string> ServiceVariables() =>
    [
        .. SettingsTypes.SelectMany(type => type.GetProperties()).Where(p => p.GetCustomAttribute<Microsoft.Extensions.Configuration.ConfigurationKeyNameAttribute>() is not null)
            .Select(Microsoft.Extensions.Hosting.SettingsExtensions.VariableOf),
        NatsUrl.VariableName,
        NatsUrl.CaFileVariableName,
        DatabaseUrl.VariableName,
        DatabaseUrl.OwnerVariableName,
        DatabaseUrl.ReaderVariableName,
        Distributed.Contracts.ControlSubjects.ExperimentsEnabledVariable,
        ApiAuthentication.EnabledVariable,
        ApiAuthentication.ClientClaimVariable,
        ListenAddressExtensions.MetricsPortVariable,
        .. new[] { ServiceAddress.Gateway, ServiceAddress.Aggregator, ServiceAddress.Processor, ServiceAddress.Enricher }.Select(a => a.Variable),
        .. Microsoft.Extensions.Hosting.Extensions.TelemetryVariables,
    ];

    /// <summary>What the AppHost reads itself or passes through to the services it starts.</summary>
    public static HashSet<string> AppHostVariables() =>
        [.. AppHostSettings.Variables, .. Distributed.AppHost.Infrastructure.ServiceVariables.All];
}
