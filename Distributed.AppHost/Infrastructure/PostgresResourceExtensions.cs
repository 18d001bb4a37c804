using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// The aggregator's database as three roles, each a connection string of its own
/// (deploy/postgres/initdb/10-aggregator-roles.sh creates them): the owner runs the migrations, the ingest role inserts,
/// the reader only selects. The superuser's password stays with the server.
/// </summary>
public sealed record ResultsDatabase(
    IResourceBuilder<IResource> Server,
    IResourceBuilder<PostgresRoleResource> Owner,
    IResourceBuilder<PostgresRoleResource> Ingest,
    IResourceBuilder<PostgresRoleResource> Reader);

/// <summary>
/// A login role of the aggregator's database: its login, the connection name the aggregator reads
/// it by, and the variable that hands its password to the server's set-up (the container's
/// initdb script or scripts/run-local-postgres.sh).
/// </summary>
public sealed record DatabaseRole(string Key, string Login, string ConnectionName)
{
    public string PasswordVariable => $"POSTGRES_{Key.ToUpperInvariant()}_PASSWORD";
}

public static class PostgresResourceExtensions
{
    public const string SuperUser = "postgres";

    /// <summary>deploy/postgres/Dockerfile and deploy/k8s use the same release (a test holds them together).</summary>
    public const string ContainerTag = "18.3";

    /// <summary>The superuser's password, for the server's set-up only.</summary>
    public const string SuperUserPasswordVariable = "POSTGRES_PASSWORD";

    // The connection names are those the aggregator reads (Distributed.Aggregator's ResultsDatabaseExtensions).
    public static readonly DatabaseRole Owner = new("owner", "aggregator_owner", "aggregator_owner");

    public static readonly DatabaseRole Ingest = new("ingest", "aggregator_ingest", "aggregator");

    public static readonly DatabaseRole Reader = new("reader", "aggregator_reader", "aggregator_reader");

    public static IReadOnlyList<DatabaseRole> Roles { get; } = [Owner, Ingest, Reader];

    /// <summary>
    /// The aggregator's database: Aspire's PostgreSQL container, or a local cluster that is
    /// created once in the state directory and reused across runs, and its three roles.
    /// </summary>
    public static ResultsDatabase AddResultsDatabase(
        this IDistributedApplicationBuilder builder, string serverName, string databaseName, AppHostSettings settings)
    {
        var password = GeneratedPassword(builder, $"{serverName}-password");
        var passwords = Roles.ToDictionary(role => role, role => GeneratedPassword(builder, $"{serverName}-{role.Key}-password"));

        IResourceBuilder<IResourceWithEnvironment> server;
        EndpointReference endpoint;
        if (settings.Mode == InfrastructureMode.Containers)
        {
            // The image creates POSTGRES_DB and runs deploy/postgres/initdb once, on an empty volume:
            // the roles, and the database handed to the owner. Published, the script travels inside
            // an image built from deploy/postgres, since a cluster cannot carry a bind mount.
            var container = builder.AddPostgres(serverName, password: password, port: settings.PostgresPort)
                // One PostgreSQL everywhere a container runs it: the published image's and deploy/k8s's release.
                .WithImageTag(ContainerTag)
                .WithDataVolume("distributed-postgres-data")
                .WithEnvironment("POSTGRES_DB", databaseName);
            if (builder.ExecutionContext.IsPublishMode)
            {
                container.WithDockerfile(Path.Combine(settings.RepositoryRoot, "deploy", "postgres"));
            }
            else
            {
                container.WithInitFiles(Path.Combine(settings.RepositoryRoot, "deploy", "postgres", "initdb"));
            }

            server = container;
            endpoint = container.Resource.PrimaryEndpoint;
        }
        else
        {
            var dataDirectory = Path.Combine(settings.StateDirectory, serverName);
            var script = Path.Combine(settings.ScriptsDirectory, "run-local-postgres.sh");
            var local = builder.AddResource(new LocalPostgresResource(serverName, settings.StateDirectory, password.Resource))
                .WithArgs(script, dataDirectory, settings.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture), databaseName)
                .WithEnvironment(SuperUserPasswordVariable, password)
                .WithEndpoint(port: settings.PostgresPort, targetPort: settings.PostgresPort, name: LocalPostgresResource.EndpointName, scheme: "tcp", isProxied: false);

            var healthCheckKey = $"{serverName}-connects";
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                healthCheckKey, _ => new PostgresConnectsHealthCheck(local.Resource), failureStatus: null, tags: null));
            server = local.WithHealthCheck(healthCheckKey);
            endpoint = local.Resource.Endpoint;
        }

        IResourceBuilder<PostgresRoleResource> Role(DatabaseRole role)
        {
            var resource = builder.AddResource(new PostgresRoleResource($"{serverName}-{role.Key}", endpoint, role.Login, passwords[role].Resource, databaseName));
            // A connection string, not something that runs: the dashboard lists what runs.
            return builder.ExecutionContext.IsPublishMode
                ? resource
                : resource.WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresRole", Properties = [], IsHidden = true });
        }

        var database = new ResultsDatabase(server, Role(Owner), Role(Ingest), Role(Reader));
        foreach (var (role, resource) in new[] { (Owner, database.Owner), (Ingest, database.Ingest), (Reader, database.Reader) })
        {
            // Published, as the connection string the aggregator gets too (a Secret once deployed).
            if (builder.ExecutionContext.IsPublishMode)
            {
                server.WithEnvironment($"ConnectionStrings__{role.ConnectionName}", resource.Resource.ConnectionStringExpression);
            }
            else
            {
                server.WithEnvironment(role.PasswordVariable, ReferenceExpression.Create($"{resource.Resource.Password}"));
            }
        }

        return database;
    }

    /// <summary>
    /// The aggregator's two connection strings, ingest and reader, by the names it reads, and it starts
    /// once PostgreSQL takes logins. Never the owner's: the schema is the provisioning step's.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithResultsDatabase(this IResourceBuilder<ProjectResource> aggregator, ResultsDatabase database) =>
        aggregator
            .WithReference(database.Ingest, Ingest.ConnectionName)
            .WithReference(database.Reader, Reader.ConnectionName)
            .WaitFor(database.Server);

    /// <summary>The provisioning step's database: the owner's connection string, and the names of the roles it grants table rights to.</summary>
    public static IResourceBuilder<ProjectResource> WithResultsSchemaOwner(this IResourceBuilder<ProjectResource> provisioning, ResultsDatabase database) =>
        provisioning
            .WithReference(database.Owner, Owner.ConnectionName)
            .WithEnvironment(IngestRoleVariable, Ingest.Login)
            .WithEnvironment(ReaderRoleVariable, Reader.Login)
            .WaitFor(database.Server);

    /// <summary>The variables that name the roles the provisioning step grants to (Distributed.Provisioning's options).</summary>
    public const string IngestRoleVariable = "DATABASE_INGEST_ROLE";

    public const string ReaderRoleVariable = "DATABASE_READER_ROLE";

    private static IResourceBuilder<ParameterResource> GeneratedPassword(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
}

/// <summary>A PostgreSQL cluster run from the machine's own binaries by <c>scripts/run-local-postgres.sh</c>.</summary>
public sealed class LocalPostgresResource(string name, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, "bash", workingDirectory), IResourceWithEndpoints
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ParameterResource Password { get; } = password;

    /// <summary>The superuser's, for the AppHost's own health check only.</summary>
    public ReferenceExpression ServerConnectionString => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username={PostgresResourceExtensions.SuperUser};Password={Password}");
}

/// <summary>One login role of the aggregator's database, as a connection string.</summary>
public sealed class PostgresRoleResource(string name, EndpointReference endpoint, string role, ParameterResource password, string database)
    : Resource(name), IResourceWithConnectionString
{
    public string Role { get; } = role;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Username={Role};Password={Password};Database={database}");
}
