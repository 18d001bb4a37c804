using Distributed.AppHost.Experiments;
using Distributed.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// A small NATS hosting integration (Aspire's own is not available here): JetStream on, an
/// operator and one user per service (<see cref="NatsIdentities"/>), each with a generated
/// password and only its own permissions, the operator's connection string named after the
/// resource, and a health check that makes a real connection so <c>WaitFor(nats)</c> means "NATS answers".
/// </summary>
public static class NatsResourceExtensions
{
    public const string ClientEndpointName = "tcp";
    public const string MonitorEndpointName = "monitor";
    private const string ContainerImage = "nats";
    private const string ContainerTag = "2.11.10-alpine";
    private const string ClusterName = "distributed";
    private const int ContainerRoutePort = 6222;

    public static IResourceBuilder<IResourceWithConnectionString> AddNatsServer(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        var user = builder.AddParameter($"{name}-user", "operator", publishValueAsDefault: true);
        var password = GeneratedPassword(builder, $"{name}-password");

        IResourceBuilder<INatsResource> nats = settings.Mode == InfrastructureMode.Containers
            ? AddContainer(builder, name, settings, user.Resource, password.Resource)
            : AddLocalProcess(builder, name, settings, user.Resource, password.Resource);
        foreach (var identity in NatsIdentities.All)
        {
            nats.Resource.ServicePasswords[identity.User] = GeneratedPassword(builder, $"{name}-{identity.User}-password").Resource;
        }

        foreach (var node in nats.Resource.Peers.Prepend(nats.Resource).OfType<IResourceWithEnvironment>())
        {
            builder.CreateResourceBuilder(node).WithServicePasswords(nats.Resource, builder.ExecutionContext.IsPublishMode);
        }

        if (!builder.ExecutionContext.IsPublishMode)
        {
            // A cluster's own liveness probe does this job in deploy/k8s.
            var monitors = NodeNames(name, settings.NatsClusterSize)
                .Select((node, i) => (node, new Uri($"http://127.0.0.1:{settings.NatsMonitorPort + i}")))
                .ToList();
            builder.Services.AddHostedService(provider => ActivatorUtilities.CreateInstance<JetStreamWatchdog>(provider, monitors));
        }

        var healthCheckKey = $"{name}-connects";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new NatsConnectsHealthCheck(nats.Resource), failureStatus: null, tags: null));
        return nats.WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// A service's own NATS identity on <paramref name="nats"/>: its connection string carries that
    /// service's user and password, so the service can do only what its identity allows.
    /// </summary>
    public static IResourceBuilder<NatsUserResource> AddNatsIdentity(
        this IDistributedApplicationBuilder builder, IResourceBuilder<IResourceWithConnectionString> nats, NatsIdentity identity)
    {
        var server = nats.Resource as INatsResource
            ?? throw new InvalidOperationException("A NATS identity needs the NATS resource this AppHost defines.");
        var user = builder.AddResource(new NatsUserResource($"{nats.Resource.Name}-{identity.User}", server, identity));
        // A connection string, not something that runs: the dashboard lists the services, not their credentials.
        return builder.ExecutionContext.IsPublishMode
            ? user
            : user.WithInitialState(new CustomResourceSnapshot { ResourceType = "NatsUser", Properties = [], IsHidden = true });
    }

    /// <summary>A cluster node's routes log in as the route user, with a password of the cluster's own.</summary>
    private static IResourceBuilder<T> WithRouteCredentials<T>(this IResourceBuilder<T> node, NatsClusterNode? cluster, ParameterResource? password)
        where T : IResourceWithEnvironment
    {
        if (cluster is null || password is null)
        {
            return node;
        }

        node.WithEnvironment(NatsClusterNode.RoutePasswordVariable, NatsServerConfig.Quoted(password));
        for (var i = 0; i < cluster.Routes.Count; i++)
        {
            node.WithEnvironment(NatsClusterNode.RouteVariable(i), cluster.RouteWithCredentials(i, password));
        }

        return node;
    }

    private static IResourceBuilder<ParameterResource> GeneratedPassword(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

    /// <summary>
    /// Every service identity's password, in the variable the configuration names. Published, the
    /// variable is a connection string, the kind deployment tools keep in a Secret, which the image's
    /// entrypoint takes apart (deploy/nats/entrypoint.sh).
    /// </summary>
    private static void WithServicePasswords(this IResourceBuilder<IResourceWithEnvironment> node, INatsResource nats, bool publishing)
    {
        foreach (var identity in NatsIdentities.All)
        {
            var password = nats.ServicePasswords[identity.User];
            if (publishing)
            {
                node.WithEnvironment($"ConnectionStrings__nats_{identity.User}", ReferenceExpression.Create($"nats://{identity.User}:{password}@localhost:4222"));
            }
            else
            {
                node.WithEnvironment(NatsServerConfig.PasswordVariable(identity), NatsServerConfig.Quoted(password));
            }
        }
    }

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
                .WithEnvironment(NatsSyncInterval.VariableName, settings.NatsSyncInterval);
        }

        const string configInContainer = "/etc/nats/distributed.conf";
        var nodes = NodeNames(name, settings.NatsClusterSize);
        var routes = nodes.Select(node => $"nats-route://{node}:{ContainerRoutePort}").ToList();
        var routePassword = nodes.Count == 1 ? null : GeneratedPassword(builder, $"{name}-route-password").Resource;
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = i == 0
                ? nats
                : builder.AddResource(new NatsContainerResource(nodes[i], user, password))
                    .WithImage(ContainerImage, ContainerTag)
                    .WithVolume($"distributed-nats-data-{i + 1}", "/data")
                    .WithEndpoint(port: settings.NatsPort + i, targetPort: 4222, name: ClientEndpointName, scheme: "tcp")
                    .WithHttpEndpoint(port: settings.NatsMonitorPort + i, targetPort: 8222, name: MonitorEndpointName);
            var cluster = nodes.Count == 1 ? null : new NatsClusterNode(nodes[i], ClusterName, $"0.0.0.0:{ContainerRoutePort}", routes);
            var configFile = NatsServerConfig.Write(
                Path.Combine(settings.StateDirectory, nodes[i] + "-container", "nats-server.conf"), "0.0.0.0:4222", "0.0.0.0:8222", "/data",
                settings.NatsSyncInterval, cluster, settings.Experiments);
            node.WithBindMount(configFile, configInContainer, isReadOnly: true)
                .WithArgs("-c", configInContainer)
                .WithEnvironment("NATS_USER", NatsServerConfig.Quoted(user))
                .WithEnvironment("NATS_PASSWORD", NatsServerConfig.Quoted(password))
                .WithRouteCredentials(cluster, routePassword);
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
        var routePassword = nodes.Count == 1 ? null : GeneratedPassword(builder, $"{name}-route-password").Resource;
        IResourceBuilder<NatsServerResource>? first = null;
        for (var i = 0; i < nodes.Count; i++)
        {
            var directory = Path.Combine(settings.StateDirectory, nodes[i]);
            Directory.CreateDirectory(directory);
            var cluster = nodes.Count == 1 ? null : new NatsClusterNode(nodes[i], ClusterName, $"127.0.0.1:{settings.NatsClusterPort + i}", routes);
            var configFile = NatsServerConfig.Write(
                Path.Combine(directory, "nats-server.conf"),
                $"127.0.0.1:{settings.NatsPort + i}",
                $"127.0.0.1:{settings.NatsMonitorPort + i}",
                Path.Combine(directory, "jetstream"),
                syncInterval,
                cluster,
                settings.Experiments);

            var node = builder.AddResource(new NatsServerResource(nodes[i], command, directory, user, password))
                .WithArgs("-c", configFile)
                .WithEnvironment("NATS_USER", NatsServerConfig.Quoted(user))
                .WithEnvironment("NATS_PASSWORD", NatsServerConfig.Quoted(password))
                .WithRouteCredentials(cluster, routePassword)
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
