using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Distributed.AppHost.Experiments;

public static class CommandStates
{
    /// <summary>An experiment acts on a running service: its commands are greyed out until the resource is healthy.</summary>
    public static ResourceCommandState EnabledWhenHealthy(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.HealthStatus is HealthStatus.Healthy ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;
}
