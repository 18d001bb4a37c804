using Distributed.Messaging;

namespace Distributed.AppHost.Infrastructure;

public static class PipelineServiceExtensions
{
    /// <summary>Where the services' container images listen (the .NET SDK's default for ASP.NET images).</summary>
    public const int ContainerPort = 8080;

    /// <summary>
    /// One of the four services: its HTTP endpoint on a fixed host port, NATS as its own identity
    /// (a connection string with that identity's user, whose permissions nats-server enforces), the
    /// tuning variables it takes passed through, experiments on or off, telemetry to the collector
    /// when there is one, and healthy only when its /health says so.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddPipelineService<TProject>(
        this IDistributedApplicationBuilder builder,
        PipelineService service,
        int port,
        IResourceBuilder<IResourceWithConnectionString> nats,
        IResourceBuilder<ProjectResource> provisioning,
        bool experiments,
        IResourceBuilder<ContainerResource>? collector)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(service.Name)
            // Published, a service listens on the port its container image uses; run, Aspire picks one behind its proxy.
            .WithHttpEndpoint(port: port, targetPort: builder.ExecutionContext.IsPublishMode ? ContainerPort : null, name: "http")
            .WithoutListenAddress(service.ListenVariable)
            .WithReference(builder.AddNatsIdentity(nats, service.Identity), NatsUrl.ConnectionName).WaitFor(nats)
            // The topology and the schema are in place, declared by their one owner, before any service starts.
            .WaitForCompletion(provisioning)
            .WithEnvironment(Distributed.Contracts.ControlSubjects.ExperimentsEnabledVariable, experiments ? "true" : "false")
            // Run, a service is in the AppHost's environment (Development under ./scripts/dev.sh: the
            // API reference UI is on); published, the image's default (Production).
            .WithEnvironment(context =>
            {
                if (!builder.ExecutionContext.IsPublishMode)
                {
                    context.EnvironmentVariables["ASPNETCORE_ENVIRONMENT"] = builder.Environment.EnvironmentName;
                }
            })
            .WithPassedThrough(builder.Configuration, service.PassedThrough)
            .WithCollector(collector)
            .WithHttpHealthCheck("/health");
}
