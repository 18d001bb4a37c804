namespace Distributed.AppHost.Infrastructure;

/// <summary>NATS with JetStream as a local <c>nats-server</c> process.</summary>
public sealed class NatsServerResource(string name, string command, string workingDirectory, ParameterResource user, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public EndpointReference ClientEndpoint => new(this, NatsResourceExtensions.ClientEndpointName);

    public ParameterResource User { get; } = user;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => NatsResourceExtensions.ConnectionString(ClientEndpoint, User, Password);
}

/// <summary>NATS with JetStream as the <c>nats</c> container.</summary>
public sealed class NatsContainerResource(string name, ParameterResource user, ParameterResource password)
    : ContainerResource(name), IResourceWithConnectionString
{
    public EndpointReference ClientEndpoint => new(this, NatsResourceExtensions.ClientEndpointName);

    public ParameterResource User { get; } = user;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => NatsResourceExtensions.ConnectionString(ClientEndpoint, User, Password);
}
