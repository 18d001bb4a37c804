namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// NATS, whichever way it runs: a user and password and a client endpoint make its connection
/// string, the same for the local process and the container.
/// </summary>
public interface INatsResource : IResourceWithConnectionString, IResourceWithEndpoints
{
    ParameterResource User { get; }

    ParameterResource Password { get; }

    ReferenceExpression IResourceWithConnectionString.ConnectionStringExpression =>
        NatsResourceExtensions.ConnectionString(new EndpointReference(this, NatsResourceExtensions.ClientEndpointName), User, Password);
}

/// <summary>NATS with JetStream as a local <c>nats-server</c> process.</summary>
public sealed class NatsServerResource(string name, string command, string workingDirectory, ParameterResource user, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), INatsResource
{
    public ParameterResource User { get; } = user;

    public ParameterResource Password { get; } = password;
}

/// <summary>NATS with JetStream as the <c>nats</c> container.</summary>
public sealed class NatsContainerResource(string name, ParameterResource user, ParameterResource password)
    : ContainerResource(name), INatsResource
{
    public ParameterResource User { get; } = user;

    public ParameterResource Password { get; } = password;
}
