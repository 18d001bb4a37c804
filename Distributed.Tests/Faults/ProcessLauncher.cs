using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Distributed.Aggregator.Data;
using Distributed.AppHost.Infrastructure;
using Distributed.Messaging;

namespace Distributed.Tests.Faults;

/// <summary>
/// Starts the system's parts as processes, for the tests that need what the AppHost cannot shape
/// (a part inside a network namespace of its own, started before its dependencies, killed by PID).
/// Each part is wired as the AppHost wires it, from the AppHost's own code: the services'
/// identities and listen variables from <see cref="PipelineServices"/>, nats-server's configuration
/// and users from <see cref="NatsServerConfig"/>, PostgreSQL's roles from
/// <see cref="PostgresResourceExtensions.Roles"/> and scripts/run-local-postgres.sh. Only what a
/// test chooses (addresses, ports, passwords, settings) is its own.
/// </summary>
public static class ProcessLauncher
{
    public const string OperatorUser = NatsIdentities.OperatorUser;

    private static readonly string Dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>How a person runs a service by hand: its built assembly.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) ServiceCommand(PipelineService service) =>
        (Dotnet, [RepositoryPaths.ServiceAssembly(service.Assembly)]);

    /// <summary>
    /// A service's variables by hand (the spec's names): NATS as its own identity, where it
    /// listens, and Production, as its image runs. <paramref name="settings"/> are added last.
    /// </summary>
    public static Dictionary<string, string> ServiceEnvironment(
        PipelineService service, string natsUrl, string listenAddress, params IEnumerable<(string Key, string Value)> settings)
    {
        var environment = new Dictionary<string, string>
        {
            [NatsUrl.VariableName] = natsUrl,
            [service.ListenVariable] = listenAddress,
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return environment;
    }

    public static ManagedProcess Service(PipelineService service, string name, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        var (fileName, arguments) = ServiceCommand(service);
        return new ManagedProcess(name, fileName, arguments, environment, logFile);
    }

    /// <summary>
    /// The provisioning step by hand, as the AppHost runs its topology watch: the provisioner's NATS
    /// identity, the owner's database URL and the roles it grants to; it declares the topology,
    /// migrates, and stays on to declare again whatever goes missing.
    /// </summary>
    public static ManagedProcess Provisioning(
        string natsUrl, IReadOnlyDictionary<DatabaseRole, string> rolePasswords, string databaseHost, int databasePort,
        IEnumerable<(string Key, string Value)> settings, string logFile, Func<string, IReadOnlyList<string>, (string, IReadOnlyList<string>)> onItsMachine)
    {
        var environment = new Dictionary<string, string>
        {
            [NatsUrl.VariableName] = natsUrl,
            [DatabaseUrl.OwnerVariableName] = RoleUrl(PostgresResourceExtensions.Owner, rolePasswords, databaseHost, databasePort),
            [PostgresResourceExtensions.IngestRoleVariable] = PostgresResourceExtensions.Ingest.Login,
            [PostgresResourceExtensions.ReaderRoleVariable] = PostgresResourceExtensions.Reader.Login,
            ["PROVISION_WATCH_SECONDS"] = ProvisioningExtensions.WatchSeconds.ToString(CultureInfo.InvariantCulture),
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var (fileName, arguments) = onItsMachine(Dotnet, [RepositoryPaths.ServiceAssembly("Distributed.Provisioning")]);
        return new ManagedProcess("provision", fileName, arguments, environment, logFile);
    }

    /// <summary>A NATS URL with one identity's credentials, as the AppHost's connection string for that identity.</summary>
    public static string NatsUrlFor(string user, string password, string host, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"nats://{user}:{password}@{host}:{port}");

    /// <summary>nats-server with the AppHost's configuration: the operator and every service identity, each with its password.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments, Dictionary<string, string> Environment) NatsServer(
        string directory, string listen, string monitor, string operatorPassword, IReadOnlyDictionary<string, string> servicePasswords, bool experiments = false)
    {
        Directory.CreateDirectory(directory);
        var config = NatsServerConfig.Write(Path.Combine(directory, "nats-server.conf"), listen, monitor, Path.Combine(directory, "jetstream"), experiments: experiments);
        return (LocalExecutables.Find("nats-server") ?? throw new InvalidOperationException("nats-server is not installed"),
            ["-c", config], NatsServerConfig.Environment(OperatorUser, operatorPassword, identity => servicePasswords[identity.User]));
    }

    /// <summary>A password for each service identity and the provisioner's, as the AppHost generates one per identity.</summary>
    public static Dictionary<string, string> ServicePasswords() => NatsIdentities.All.ToDictionary(identity => identity.User, _ => Secret());

    /// <summary>PostgreSQL as the AppHost runs it locally: scripts/run-local-postgres.sh, the superuser's and each role's password.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments, Dictionary<string, string> Environment) Postgres(
        string dataDirectory, int port, string listenAddress, string? clientNetwork, string superUserPassword, IReadOnlyDictionary<DatabaseRole, string> rolePasswords)
    {
        var environment = new Dictionary<string, string>
        {
            ["POSTGRES_LISTEN_ADDRESS"] = listenAddress,
            ["POSTGRES_CLIENT_NETWORK"] = clientNetwork ?? "",
            [PostgresResourceExtensions.SuperUserPasswordVariable] = superUserPassword,
        };
        foreach (var (role, password) in rolePasswords)
        {
            environment[role.PasswordVariable] = password;
        }

        return ("bash", [Path.Combine(RepositoryPaths.Root, "scripts", "run-local-postgres.sh"), dataDirectory, port.ToString(CultureInfo.InvariantCulture), "aggregator"], environment);
    }

    /// <summary>A password for each of the aggregator's database roles.</summary>
    public static Dictionary<DatabaseRole, string> RolePasswords() => PostgresResourceExtensions.Roles.ToDictionary(role => role, _ => Secret());

    /// <summary>The aggregator's two roles by their by-hand variables (DATABASE_URL is the ingest role's); the owner's is the provisioning step's.</summary>
    public static IEnumerable<(string Key, string Value)> DatabaseEnvironment(IReadOnlyDictionary<DatabaseRole, string> rolePasswords, string host, int port)
    {
        yield return (DatabaseUrl.VariableName, RoleUrl(PostgresResourceExtensions.Ingest, rolePasswords, host, port));
        yield return (DatabaseUrl.ReaderVariableName, RoleUrl(PostgresResourceExtensions.Reader, rolePasswords, host, port));
    }

    private static string RoleUrl(DatabaseRole role, IReadOnlyDictionary<DatabaseRole, string> rolePasswords, string host, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"postgres://{role.Login}:{rolePasswords[role]}@{host}:{port}/aggregator");

    public static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>A loopback port free at the time, so nothing else on the machine answers in the service's place.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until the service's /health answers 200.</summary>
    public static async Task WaitHealthyAsync(int port, TimeSpan deadline)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        await Integration.Eventually.MatchAsync(async () => (await client.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode,
            status => status == HttpStatusCode.OK, deadline, $"the service on port {port} to be healthy");
    }
}
