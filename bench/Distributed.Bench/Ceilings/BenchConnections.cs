using Distributed.Aggregator.Data;
using Distributed.Messaging;
using NATS.Client.Core;

namespace Distributed.Bench.Ceilings;

/// <summary>
/// Where NATS and PostgreSQL are: given on the command line, or (<c>--discover true</c>) read
/// from the environment of the running aggregator, which the AppHost gave both connection strings.
/// </summary>
public sealed record BenchConnections(string NatsUrl, string? Postgres)
{
    public static BenchConnections From(Arguments args)
    {
        if (args.Text("discover", "false") == "true")
        {
            return Discover();
        }

        var postgres = args.Optional("postgres");
        return new BenchConnections(
            args.Text("nats", Messaging.NatsUrl.Default),
            postgres is not null && postgres.StartsWith("postgres", StringComparison.Ordinal) ? DatabaseUrl.ToConnectionString(postgres) : postgres);
    }

    public static NatsConnection Connect(string url, string name)
    {
        var (bare, user, password) = Messaging.NatsUrl.SplitCredentials(url);
        return new NatsConnection(new NatsOpts
        {
            Url = bare,
            Name = name,
            AuthOpts = user is null ? NatsAuthOpts.Default : new NatsAuthOpts { Username = user, Password = password },
            SubPendingChannelCapacity = 65_536,
        });
    }

    /// <summary>Where the running gateway process itself listens (under the AppHost, behind its proxy).</summary>
    public static Uri GatewayListenAddress()
    {
        var environment = EnvironmentOf("Distributed.Gateway")
            ?? throw new InvalidOperationException("no running Distributed.Gateway found");
        var urls = environment.GetValueOrDefault("ASPNETCORE_URLS") ?? "http://127.0.0.1:3000";
        return new Uri(urls.Split(';')[0].Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
    }

    private static Dictionary<string, string>? EnvironmentOf(string executable)
    {
        foreach (var pid in ProcessSignals.FindByExecutable(executable))
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/environ").Split('\0')
                    .Select(e => e.Split('=', 2)).Where(e => e.Length == 2)
                    .GroupBy(e => e[0], StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
            }
            catch (IOException)
            {
            }
        }

        return null;
    }

    private static BenchConnections Discover()
    {
        if (EnvironmentOf("Distributed.Aggregator") is { } environment
            && (environment.GetValueOrDefault("ConnectionStrings__nats") ?? environment.GetValueOrDefault("NATS_URL")) is { } nats)
        {
            var postgres = environment.GetValueOrDefault("ConnectionStrings__aggregator")
                ?? (environment.GetValueOrDefault("DATABASE_URL") is { } url ? DatabaseUrl.ToConnectionString(url) : null);
            return new BenchConnections(nats, postgres);
        }

        throw new InvalidOperationException("no running Distributed.Aggregator found to read NATS and PostgreSQL addresses from; pass --nats and --postgres");
    }
}
