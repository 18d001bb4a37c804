using System.Globalization;

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

    /// <param name="syncInterval">JetStream's <c>sync_interval</c>, or null for the server's default (only nats-server 2.10+ knows the field).</param>
    /// <param name="cluster">This node's place in a cluster, or null for a single server.</param>
    public static string Write(string path, string listen, string monitor, string storeDirectory, string? syncInterval = null, NatsClusterNode? cluster = null)
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
              store_dir: "{{storeDirectory}}"{{sync}}
            }
            authorization {
              user: $NATS_USER
              password: $NATS_PASSWORD
            }
            """));
        return path;
    }
}

/// <summary>
/// One node of a local NATS cluster: its server name (JetStream's placement and leader names
/// use it), where it listens for routes, and the route of every node (its own included, which
/// nats-server ignores, so every node's file has the same list).
/// </summary>
public sealed record NatsClusterNode(string ServerName, string ClusterName, string RouteListen, IReadOnlyList<string> Routes)
{
    public string Render()
    {
        var routes = string.Join(", ", Routes.Select(route => $"\"{route}\""));
        return string.Create(CultureInfo.InvariantCulture, $$"""

            server_name: "{{ServerName}}"
            cluster {
              name: "{{ClusterName}}"
              listen: "{{RouteListen}}"
              routes: [{{routes}}]
            }
            """);
    }
}
