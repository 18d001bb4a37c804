using Distributed.Messaging;

namespace Distributed.AppHost.Infrastructure;

public static class ProvisioningExtensions
{
    /// <summary>How often the topology watch looks for a stream, bucket or consumer gone missing.</summary>
    public const int WatchSeconds = 2;

    /// <summary>
    /// The one owner of the topology, as Aspire's run-once worker: the provisioning step declares the
    /// streams, the bucket and the consumers as the provisioner identity and migrates the results
    /// schema as the owner role, then exits; the services wait for its completion
    /// (<c>WaitForCompletion</c>) and hold neither right themselves. Beside it, the same program
    /// stays on as the topology watch: it declares again, within seconds, whatever stream, bucket or
    /// consumer is deleted or lost (a NATS back with an empty store) while the system runs, which no
    /// service could, having no right to.
    /// </summary>
    /// <returns>The provisioning step, for the services to wait on.</returns>
    public static IResourceBuilder<ProjectResource> AddTopologyOwner(
        this IDistributedApplicationBuilder builder, IResourceBuilder<IResourceWithConnectionString> nats, ResultsDatabase database)
    {
        var identity = builder.AddNatsIdentity(nats, NatsIdentities.Provisioner);
        var provisioning = builder.AddProject<Projects.Distributed_Provisioning>("provision")
            .WithReference(identity, NatsUrl.ConnectionName).WaitFor(nats)
            .WithPassedThrough(builder.Configuration, ServiceVariables.Provisioning)
            .WithResultsSchemaOwner(database);
        builder.AddProject<Projects.Distributed_Provisioning>("topology-watch")
            .WithReference(identity, NatsUrl.ConnectionName)
            .WithPassedThrough(builder.Configuration, ServiceVariables.Provisioning)
            .WithEnvironment("PROVISION_WATCH_SECONDS", WatchSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WaitForCompletion(provisioning);
        return provisioning;
    }
}
