using Microsoft.Extensions.Configuration;

namespace Distributed.AppHost.Infrastructure;

public static class SpecEnvironmentExtensions
{
    /// <summary>
    /// Passes the spec's tuning variables through from the AppHost's environment (or .env via
    /// scripts/dev.sh) to the service, only when they are set, so the service's defaults hold otherwise.
    /// </summary>
    public static IResourceBuilder<T> WithSpecEnvironment<T>(this IResourceBuilder<T> resource, IConfiguration configuration, params string[] names)
        where T : IResourceWithEnvironment
    {
        foreach (var name in names)
        {
            if (configuration[name] is { Length: > 0 } value)
            {
                resource.WithEnvironment(name, value);
            }
        }

        return resource;
    }

    /// <summary>
    /// Aspire has every service record and export every trace (always_on), which is what a
    /// developer wants; under load the export and the dashboard's ingest cost CPU per task. The
    /// standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, when set for the AppHost, replace it
    /// (e.g. parentbased_traceidratio and 0.01). Trace ids still travel with every task.
    /// </summary>
    public static IResourceBuilder<T> WithTraceSampling<T>(this IResourceBuilder<T> resource, IConfiguration configuration)
        where T : IResourceWithEnvironment =>
        resource.WithSpecEnvironment(configuration, "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG");

    /// <summary>
    /// Blanks a listen-address variable that the AppHost's own environment (a sourced .env)
    /// would otherwise pass down: under Aspire the service must listen where Aspire's proxy
    /// sends traffic (ASPNETCORE_URLS), not on the host port the proxy itself holds.
    /// </summary>
    public static IResourceBuilder<T> WithAspireListenAddress<T>(this IResourceBuilder<T> resource, string variable)
        where T : IResourceWithEnvironment =>
        resource.WithEnvironment(variable, string.Empty);
}
