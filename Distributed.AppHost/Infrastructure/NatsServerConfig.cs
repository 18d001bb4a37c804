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

    public static string Write(string path, string listen, string monitor, string storeDirectory)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $$"""
            # Written by the Distributed AppHost on each start.
            listen: "{{listen}}"
            http: "{{monitor}}"
            max_payload: {{MaxPayload}}
            jetstream {
              store_dir: "{{storeDirectory}}"
            }
            authorization {
              user: $NATS_USER
              password: $NATS_PASSWORD
            }
            """));
        return path;
    }
}
