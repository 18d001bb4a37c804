using Distributed.Messaging;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// NATS, whichever way it runs: a user and password and a client endpoint make its connection
/// string, the same for the local process and the container.
/// </summary>
public interface INatsResource : IResourceWithConnectionString, IResourceWithEndpoints
{
    /// <summary>The operator: its connection string is the resource's own, for the AppHost's commands and the tests.</summary>
    ParameterResource User { get; }

    ParameterResource Password { get; }

    /// <summary>Each service identity's generated password, by user name.</summary>
    Dictionary<string, ParameterResource> ServicePasswords { get; }

    /// <summary>The other nodes of its cluster, whose client endpoints the connection string lists too.</summary>
    List<INatsResource> Peers { get; }

    /// <summary>Every node's client URL, comma-separated (NATS clients take such a list and fail over along it).</summary>
    ReferenceExpression IResourceWithConnectionString.ConnectionStringExpression =>
        ConnectionStringFor(ReferenceExpression.Create($"{User}"), Password);

    /// <summary>Every node's URL with one identity's credentials.</summary>
    ReferenceExpression ConnectionStringFor(ReferenceExpression user, ParameterResource password)
    {
        var urls = new ReferenceExpressionBuilder();
        foreach (var node in Peers.Prepend(this))
        {
            if (!urls.IsEmpty)
            {
                urls.AppendLiteral(",");
            }

            var endpoint = new EndpointReference(node, NatsResourceExtensions.ClientEndpointName);
            urls.Append($"nats://{user}:{password}@{endpoint.Property(EndpointProperty.HostAndPort)}");
        }

        return urls.Build();
    }
}

/// <summary>
/// One service's NATS identity on a NATS resource: a connection string with that service's own
/// user and password, which nats-server holds to the identity's permissions.
/// </summary>
public sealed class NatsUserResource(string name, INatsResource server, NatsIdentity identity)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent<INatsResource>
{
    public INatsResource Parent { get; } = server;

    public NatsIdentity Identity { get; } = identity;

    public ReferenceExpression ConnectionStringExpression =>
        Parent.ConnectionStringFor(ReferenceExpression.Create($"{Identity.User}"), Parent.ServicePasswords[Identity.User]);
}

/// <summary>NATS with JetStream as a local <c>nats-server</c> process.</summary>
public sealed class NatsServerResource(string name, string command, string workingDirectory, ParameterResource user, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), INatsResource
{
    public ParameterResource User { get; } = user;

    public ParameterResource Password { get; } = password;

    public List<INatsResource> Peers { get; } = [];

    public Dictionary<string, ParameterResource> ServicePasswords { get; } = [];
}

/// <summary>NATS with JetStream as the <c>nats</c> container.</summary>
public sealed class NatsContainerResource(string name, ParameterResource user, ParameterResource password)
    : ContainerResource(name), INatsResource
{
    public ParameterResource User { get; } = user;

    public ParameterResource Password { get; } = password;

    public List<INatsResource> Peers { get; } = [];

    public Dictionary<string, ParameterResource> ServicePasswords { get; } = [];
}
