using System.Globalization;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// The nats-server configuration both modes use. Credentials stay out of the file and the
/// command line: the server reads them from its environment. The payload limit is raised
/// above NATS's 1 MB default because a task may carry a 1 MiB body plus its envelope.
/// </summary>
public static class NatsServerConfig
{
    public const string MaxPayload = "4MB";

    /// <param name="syncInterval">JetStream's <c>sync_interval</c>, or null for the server's default (only nats-server 2.10+ knows the field).</param>
    public static string Write(string path, string listen, string monitor, string storeDirectory, string? syncInterval = null)
    {
        var sync = syncInterval is null ? string.Empty : $"\n  sync_interval: \"{syncInterval}\"";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $$"""
            # Written by the Distributed AppHost on each start.
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
