using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Distributed.AppHost.Infrastructure;

public static class PostgresResourceExtensions
{
    public const string SuperUser = "postgres";

    /// <summary>
    /// The aggregator's database: Aspire's PostgreSQL container, or a local cluster that is
    /// created once in the state directory and reused across runs. Either way the caller gets
    /// one resource whose connection string names the database.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddResultsDatabase(
        this IDistributedApplicationBuilder builder, string serverName, string databaseName, AppHostSettings settings)
    {
        var password = builder.AddParameter($"{serverName}-password",
            new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

        if (settings.Mode == InfrastructureMode.Containers)
        {
            return builder.AddPostgres(serverName, password: password, port: settings.PostgresPort)
                .WithDataVolume("distributed-postgres-data")
                .AddDatabase($"{databaseName}-db", databaseName);
        }

        var dataDirectory = Path.Combine(settings.StateDirectory, serverName);
        var script = Path.Combine(settings.ScriptsDirectory, "run-local-postgres.sh");
        var server = builder.AddResource(new LocalPostgresResource(serverName, settings.StateDirectory, password.Resource, databaseName))
            .WithArgs(script, dataDirectory, settings.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("POSTGRES_PASSWORD", password)
            .WithEndpoint(port: settings.PostgresPort, targetPort: settings.PostgresPort, name: LocalPostgresResource.EndpointName, scheme: "tcp", isProxied: false);

        var healthCheckKey = $"{serverName}-connects";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new PostgresConnectsHealthCheck(server.Resource), failureStatus: null, tags: null));
        return server.WithHealthCheck(healthCheckKey);
    }
}

/// <summary>A PostgreSQL cluster run from the machine's own binaries by <c>scripts/run-local-postgres.sh</c>.</summary>
public sealed class LocalPostgresResource(string name, string workingDirectory, ParameterResource password, string databaseName)
    : ExecutableResource(name, "bash", workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ParameterResource Password { get; } = password;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ServerConnectionString => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username={PostgresResourceExtensions.SuperUser};Password={Password}");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{ServerConnectionString};Database={DatabaseName}");
}
