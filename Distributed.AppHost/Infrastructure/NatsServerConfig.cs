using System.Globalization;
using System.Text;
using Distributed.Messaging;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// The nats-server configuration both modes use. Credentials stay out of the file and the
/// command line: the server reads them from its environment. The payload limit is raised
/// above NATS's 1 MB default because a task may carry a 1 MiB body plus its envelope.
/// </summary>
public static class NatsServerConfig
{
    /// <summary>
    /// nats-server parses the value of a <c>$VARIABLE</c> as configuration text, so a password
    /// such as <c>7e5…</c> would read as a malformed number and the server would not start. The
    /// environment therefore carries the credentials as quoted strings.
    /// </summary>
    public static string Quoted(string value) => $"\"{value}\"";

    public static ReferenceExpression Quoted(ParameterResource value) => ReferenceExpression.Create($"\"{value}\"");

    public const string MaxPayload = "4MB";

    /// <summary>The operator's credentials: every subject and JetStream call (the dashboard's commands, control.*, dead-letter replay).</summary>
    public const string OperatorUserVariable = "NATS_USER";

    public const string OperatorPasswordVariable = "NATS_PASSWORD";

    /// <summary>The variable that carries a service identity's password to nats-server, e.g. NATS_GATEWAY_PASSWORD.</summary>
    public static string PasswordVariable(NatsIdentity identity) => $"NATS_{identity.User.ToUpperInvariant()}_PASSWORD";

    /// <summary>The environment a nats-server with this configuration needs, for a process started outside the AppHost.</summary>
    public static Dictionary<string, string> Environment(string operatorUser, string operatorPassword, Func<NatsIdentity, string> servicePassword)
    {
        var environment = new Dictionary<string, string>
        {
            [OperatorUserVariable] = Quoted(operatorUser),
            [OperatorPasswordVariable] = Quoted(operatorPassword),
        };
        foreach (var identity in NatsIdentities.All)
        {
            environment[PasswordVariable(identity)] = Quoted(servicePassword(identity));
        }

        return environment;
    }

    /// <param name="syncInterval">JetStream's <c>sync_interval</c>, or null for the server's default (only nats-server 2.10+ knows the field).</param>
    /// <param name="cluster">This node's place in a cluster, or null for a single server.</param>
    /// <param name="experiments">Whether the services may hear their control subjects (the AppHost's development run).</param>
    public static string Write(
        string path, string listen, string monitor, string storeDirectory, string? syncInterval = null, NatsClusterNode? cluster = null, bool experiments = false)
    {
        var sync = syncInterval is null ? string.Empty : $"\n  sync_interval: \"{syncInterval}\"";
        var clustering = cluster is null ? string.Empty : cluster.Render();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $$"""
            # Written by the Distributed AppHost on each start.{{clustering}}
            listen: "{{listen}}"
            http: "{{monitor}}"
            max_payload: {{MaxPayload}}
            jetstream {
              store_dir: "{{storeDirectory}}"
              max_file_store: {{PipelineTopology.MaxFileStore}}{{sync}}
            }

            """) + Authorization(experiments));
        return path;
    }

    /// <summary>
    /// The users and what each may do, from <see cref="NatsIdentities"/>: the operator everything,
    /// the provisioner the topology, each service only its pattern. No <c>allow_responses</c>: a
    /// responder publishes only to the inboxes of those it answers, listed by name. deploy/nats and
    /// deploy/k8s carry the same block (a test holds them to this rendering). Passwords come from
    /// the environment, never from the file.
    /// </summary>
    public static string Authorization(bool experiments)
    {
        var users = new StringBuilder();
        users.Append(CultureInfo.InvariantCulture, $"    {{ user: ${OperatorUserVariable}, password: ${OperatorPasswordVariable} }}\n");
        foreach (var identity in NatsIdentities.All)
        {
            users.Append(CultureInfo.InvariantCulture, $"    {{ user: \"{identity.User}\", password: ${PasswordVariable(identity)}, permissions: {{\n");
            users.Append(CultureInfo.InvariantCulture, $"      publish: {Rule(identity.PublishAllowed(experiments))}\n");
            users.Append(CultureInfo.InvariantCulture, $"      subscribe: {Rule(identity.SubscribeAllowed(experiments))}\n");
            users.Append("    } }\n");
        }

        return $"authorization {{\n  users: [\n{users}  ]\n}}\n";
    }

    /// <summary>An allow list, or (for none) a deny of everything: nats-server reads an empty allow list as no restriction.</summary>
    private static string Rule(IReadOnlyList<string> allowed) =>
        allowed.Count == 0 ? "{ deny: [\">\"] }" : $"{{ allow: [{string.Join(", ", allowed.Select(subject => $"\"{subject}\""))}] }}";
}

/// <summary>
/// One node of a local NATS cluster: its server name (JetStream's placement and leader names
/// use it), where it listens for routes, and the route of every node (its own included, which
/// nats-server ignores, so every node's file has the same list). A route must log in as the
/// route user: the password and the route URLs that carry it come from the environment.
/// </summary>
public sealed record NatsClusterNode(string ServerName, string ClusterName, string RouteListen, IReadOnlyList<string> Routes)
{
    public const string RouteUser = "route";
    public const string RoutePasswordVariable = "NATS_ROUTE_PASSWORD";
    private const string RouteScheme = "nats-route://";

    /// <summary>The variable that carries the route to node <paramref name="index"/>, credentials included.</summary>
    public static string RouteVariable(int index) => string.Create(CultureInfo.InvariantCulture, $"NATS_ROUTE_{index}");

    /// <summary>Route <paramref name="index"/> with the route user's credentials, quoted as nats-server reads a variable.</summary>
    public ReferenceExpression RouteWithCredentials(int index, ParameterResource password) =>
        ReferenceExpression.Create($"\"{RouteScheme}{RouteUser}:{password}@{HostAndPort(index)}\"");

    /// <summary>The environment this node's configuration needs for its routes, for a process started outside the AppHost.</summary>
    public Dictionary<string, string> RouteEnvironment(string password)
    {
        var environment = new Dictionary<string, string> { [RoutePasswordVariable] = NatsServerConfig.Quoted(password) };
        for (var i = 0; i < Routes.Count; i++)
        {
            environment[RouteVariable(i)] = NatsServerConfig.Quoted($"{RouteScheme}{RouteUser}:{password}@{HostAndPort(i)}");
        }

        return environment;
    }

    private string HostAndPort(int index) => Routes[index][RouteScheme.Length..];

    public string Render()
    {
        var routes = string.Join(", ", Routes.Select((_, i) => "$" + RouteVariable(i)));
        return string.Create(CultureInfo.InvariantCulture, $$"""

            server_name: "{{ServerName}}"
            cluster {
              name: "{{ClusterName}}"
              listen: "{{RouteListen}}"
              authorization {
                user: {{RouteUser}}
                password: ${{RoutePasswordVariable}}
              }
              routes: [{{routes}}]
            }
            """);
    }
}
