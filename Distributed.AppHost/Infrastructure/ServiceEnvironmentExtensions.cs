using Microsoft.Extensions.Configuration;

namespace Distributed.AppHost.Infrastructure;

public static class ServiceEnvironmentExtensions
{
    /// <summary>
    /// Passes the services' tuning variables through from the AppHost's environment (or .env via
    /// scripts/dev.sh) to the service, only when they are set, so the service's defaults hold otherwise.
    /// </summary>
    public static IResourceBuilder<T> WithPassedThrough<T>(this IResourceBuilder<T> resource, IConfiguration configuration, IEnumerable<string> names)
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
    /// Clears a listen-address variable that the AppHost's own environment (a sourced .env)
    /// would otherwise pass down: under Aspire the service must listen where Aspire's proxy
    /// sends traffic (ASPNETCORE_URLS), not on the host port the proxy itself holds.
    /// </summary>
    public static IResourceBuilder<T> WithoutListenAddress<T>(this IResourceBuilder<T> resource, string variable)
        where T : IResourceWithEnvironment =>
        resource.WithEnvironment(variable, string.Empty);
}

public static class PipelineServiceExtensions
{
    /// <summary>Where the services' container images listen (the .NET SDK's default for ASP.NET images).</summary>
    public const int ContainerPort = 8080;

    /// <summary>
    /// One of the four services: its HTTP endpoint on a fixed host port, NATS by reference, the
    /// tuning variables it takes passed through, telemetry to the collector when there is one,
    /// and healthy only when its /health says so.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddPipelineService<TProject>(
        this IDistributedApplicationBuilder builder,
        string name,
        int port,
        string listenVariable,
        IEnumerable<string> passedThrough,
        IResourceBuilder<IResourceWithConnectionString> nats,
        IResourceBuilder<ContainerResource>? collector)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            // Published, a service listens on the port its container image uses; run, Aspire picks one behind its proxy.
            .WithHttpEndpoint(port: port, targetPort: builder.ExecutionContext.IsPublishMode ? ContainerPort : null, name: "http")
            .WithoutListenAddress(listenVariable)
            .WithReference(nats).WaitFor(nats)
            .WithPassedThrough(builder.Configuration, passedThrough)
            .WithCollector(collector)
            .WithHttpHealthCheck("/health");
}
