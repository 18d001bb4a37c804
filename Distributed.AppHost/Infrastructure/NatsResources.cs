namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// NATS, whichever way it runs: a user and password and a client endpoint make its connection
/// string, the same for the local process and the container.
/// </summary>
public interface INatsResource : IResourceWithConnectionString, IResourceWithEndpoints
{
    ParameterResource User { get; }

    ParameterResource Password { get; }

    /// <summary>The other nodes of its cluster, whose client endpoints the connection string lists too.</summary>
    List<INatsResource> Peers { get; }

    /// <summary>Every node's client URL, comma-separated (NATS clients take such a list and fail over along it).</summary>
    ReferenceExpression IResourceWithConnectionString.ConnectionStringExpression
    {
        get
        {
            var urls = new ReferenceExpressionBuilder();
            foreach (var node in Peers.Prepend(this))
            {
                if (!urls.IsEmpty)
                {
                    urls.AppendLiteral(",");
                }

                urls.Append($"{NatsResourceExtensions.ConnectionString(new EndpointReference(node, NatsResourceExtensions.ClientEndpointName), User, Password)}");
            }

            return urls.Build();
        }
    }
}

/// <summary>NATS with JetStream as a local <c>nats-server</c> process.</summary>
public sealed class NatsServerResource(string name, string command, string workingDirectory, ParameterResource user, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), INatsResource
{
    public ParameterResource User { get; } = user;

    public ParameterResource Password { get; } = password;

    public List<INatsResource> Peers { get; } = [];
}

/// <summary>NATS with JetStream as the <c>nats</c> container.</summary>
public sealed class NatsContainerResource(string name, ParameterResource user, ParameterResource password)
    : ContainerResource(name), INatsResource
{
    public ParameterResource User { get; } = user;

    public ParameterResource Password { get; } = password;

    public List<INatsResource> Peers { get; } = [];
}
