using Distributed.AppHost.Experiments;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// A small NATS hosting integration (Aspire's own is not available here): JetStream on, a user
/// with a generated password, a connection string named after the resource, and a health check
/// that makes a real connection so <c>WaitFor(nats)</c> means "NATS answers".
/// </summary>
public static class NatsResourceExtensions
{
    public const string ClientEndpointName = "tcp";
    public const string MonitorEndpointName = "monitor";
    private const string ContainerImage = "nats";
    private const string ContainerTag = "2.10";
    private const string ClusterName = "distributed";
    private const int ContainerRoutePort = 6222;

    public static IResourceBuilder<IResourceWithConnectionString> AddNatsServer(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        var user = builder.AddParameter($"{name}-user", "distributed", publishValueAsDefault: true);
        var password = builder.AddParameter($"{name}-password",
            new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

        IResourceBuilder<IResourceWithConnectionString> nats = settings.Mode == InfrastructureMode.Containers
            ? AddContainer(builder, name, settings, user.Resource, password.Resource)
            : AddLocalProcess(builder, name, settings, user.Resource, password.Resource);

        var healthCheckKey = $"{name}-connects";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new NatsConnectsHealthCheck(nats.Resource), failureStatus: null, tags: null));
        return nats.WithHealthCheck(healthCheckKey);
    }

    public static ReferenceExpression ConnectionString(EndpointReference endpoint, ParameterResource user, ParameterResource password) =>
        ReferenceExpression.Create($"nats://{user}:{password}@{endpoint.Property(EndpointProperty.HostAndPort)}");

    private static IResourceBuilder<NatsContainerResource> AddContainer(
        IDistributedApplicationBuilder builder, string name, AppHostSettings settings, ParameterResource user, ParameterResource password)
    {
        var nats = builder.AddResource(new NatsContainerResource(name, user, password))
            .WithImage(ContainerImage, ContainerTag)
            .WithVolume("distributed-nats-data", "/data")
            .WithEndpoint(port: settings.NatsPort, targetPort: 4222, name: ClientEndpointName, scheme: "tcp")
            .WithHttpEndpoint(port: settings.NatsMonitorPort, targetPort: 8222, name: MonitorEndpointName);

        if (builder.ExecutionContext.IsPublishMode)
        {
            // A cluster cannot carry a bind mount: the image built from deploy/nats holds the
            // configuration, and the credentials arrive as a connection string, which deployment
            // tools keep in a Secret.
            return nats
                .WithDockerfile(Path.Combine(settings.RepositoryRoot, "deploy", "nats"))
                .WithEnvironment("ConnectionStrings__nats", ReferenceExpression.Create($"nats://{user}:{password}@localhost:4222"))
                .WithEnvironment(NatsSyncInterval.VariableName, settings.NatsSyncInterval ?? NatsSyncInterval.ServerDefault);
        }

        const string configInContainer = "/etc/nats/distributed.conf";
        var nodes = NodeNames(name, settings.NatsClusterSize);
        var routes = nodes.Select(node => $"nats-route://{node}:{ContainerRoutePort}").ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = i == 0
                ? nats
                : builder.AddResource(new NatsContainerResource(nodes[i], user, password))
                    .WithImage(ContainerImage, ContainerTag)
                    .WithVolume($"distributed-nats-data-{i + 1}", "/data")
                    .WithEndpoint(port: settings.NatsPort + i, targetPort: 4222, name: ClientEndpointName, scheme: "tcp")
                    .WithHttpEndpoint(port: settings.NatsMonitorPort + i, targetPort: 8222, name: MonitorEndpointName);
            var configFile = NatsServerConfig.Write(
                Path.Combine(settings.StateDirectory, nodes[i] + "-container", "nats-server.conf"), "0.0.0.0:4222", "0.0.0.0:8222", "/data",
                settings.NatsSyncInterval,
                nodes.Count == 1 ? null : new NatsClusterNode(nodes[i], ClusterName, $"0.0.0.0:{ContainerRoutePort}", routes));
            node.WithBindMount(configFile, configInContainer, isReadOnly: true)
                .WithArgs("-c", configInContainer)
                .WithEnvironment("NATS_USER", NatsServerConfig.Quoted(user))
                .WithEnvironment("NATS_PASSWORD", NatsServerConfig.Quoted(password));
            if (i > 0)
            {
                nats.Resource.Peers.Add(node.Resource);
            }
        }

        return nats;
    }

    private static IResourceBuilder<NatsServerResource> AddLocalProcess(
        IDistributedApplicationBuilder builder, string name, AppHostSettings settings, ParameterResource user, ParameterResource password)
    {
        var command = LocalExecutables.Find("nats-server")
            ?? throw new InvalidOperationException("nats-server is not installed; run ./scripts/install-deps.sh (or apt-get install nats-server).");
        var syncInterval = NatsSyncInterval.ForServer(settings.NatsSyncInterval, NatsSyncInterval.VersionOf(command), out var notice);
        if (notice is not null)
        {
            builder.Eventing.Subscribe<BeforeStartEvent>((started, _) =>
            {
                started.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Distributed.AppHost.Nats").LogWarning("{Notice}", notice);
                return Task.CompletedTask;
            });
        }

        // One node is the server "nats"; a cluster adds nats-2, nats-3… on the next ports, each
        // with its own store, all routed to each other. The first node carries the connection
        // string, which lists every node.
        var nodes = NodeNames(name, settings.NatsClusterSize);
        var routes = nodes.Select((_, i) => $"nats-route://127.0.0.1:{settings.NatsClusterPort + i}").ToList();
        IResourceBuilder<NatsServerResource>? first = null;
        for (var i = 0; i < nodes.Count; i++)
        {
            var directory = Path.Combine(settings.StateDirectory, nodes[i]);
            Directory.CreateDirectory(directory);
            var configFile = NatsServerConfig.Write(
                Path.Combine(directory, "nats-server.conf"),
                $"127.0.0.1:{settings.NatsPort + i}",
                $"127.0.0.1:{settings.NatsMonitorPort + i}",
                Path.Combine(directory, "jetstream"),
                syncInterval,
                nodes.Count == 1 ? null : new NatsClusterNode(nodes[i], ClusterName, $"127.0.0.1:{settings.NatsClusterPort + i}", routes));

            var node = builder.AddResource(new NatsServerResource(nodes[i], command, directory, user, password))
                .WithArgs("-c", configFile)
                .WithEnvironment("NATS_USER", NatsServerConfig.Quoted(user))
                .WithEnvironment("NATS_PASSWORD", NatsServerConfig.Quoted(password))
                .WithEndpoint(port: settings.NatsPort + i, targetPort: settings.NatsPort + i, name: ClientEndpointName, scheme: "tcp", isProxied: false)
                .WithHttpEndpoint(port: settings.NatsMonitorPort + i, targetPort: settings.NatsMonitorPort + i, name: MonitorEndpointName, isProxied: false);
            if (nodes.Count > 1)
            {
                node.WithKillNodeCommand();
            }

            if (first is null)
            {
                first = node;
            }
            else
            {
                first.Resource.Peers.Add(node.Resource);
            }
        }

        return first!;
    }

    /// <summary>The node names double as nats-server's server_name, so a stream's leader names its resource.</summary>
    public static IReadOnlyList<string> NodeNames(string name, int clusterSize) =>
        [.. Enumerable.Range(1, clusterSize).Select(i => i == 1 ? name : $"{name}-{i}")];
}
