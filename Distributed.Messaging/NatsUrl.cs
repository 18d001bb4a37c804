using Microsoft.Extensions.Configuration;

namespace Distributed.Messaging;

/// <summary>Where the NATS server is: Aspire's connection string wins over NATS_URL, which wins over the default.</summary>
public static class NatsUrl
{
    public const string ConnectionName = "nats";
    public const string Default = "nats://localhost:4222";
    public const string VariableName = "NATS_URL";

    /// <summary>
    /// The certificate authority that signed the NATS servers' certificates (PEM), where they speak
    /// TLS (deploy/k8s): the client then verifies the server by it. Unset, the system's trust store.
    /// </summary>
    public const string CaFileVariableName = "NATS_CA_FILE";

    /// <summary>TLS as the server asks for it, verified against NATS_CA_FILE when that is set.</summary>
    public static NATS.Client.Core.NatsTlsOpts TlsOptions(IConfiguration configuration) =>
        configuration[CaFileVariableName] is { Length: > 0 } caFile
            ? NATS.Client.Core.NatsTlsOpts.Default with { CaFile = caFile }
            : NATS.Client.Core.NatsTlsOpts.Default;

    public static string Resolve(IConfiguration configuration)
    {
        var fromAspire = configuration.GetConnectionString(ConnectionName);
        if (!string.IsNullOrWhiteSpace(fromAspire))
        {
            return fromAspire.Trim();
        }

        var fromEnvironment = configuration[VariableName];
        return string.IsNullOrWhiteSpace(fromEnvironment) ? Default : fromEnvironment.Trim();
    }

    /// <summary>
    /// Splits user:password out of the URL, or out of each URL of a cluster's comma-separated list
    /// (the first credentials found serve all), so that the client is given the credentials as
    /// options and the URLs it may log hold none.
    /// </summary>
    public static (string Url, string? User, string? Password) SplitCredentials(string url)
    {
        string? user = null;
        string? password = null;
        var bare = new List<string>();
        foreach (var one in Servers(url))
        {
            var (server, serverUser, serverPassword) = SplitOne(one);
            bare.Add(server);
            if (user is null && serverUser is not null)
            {
                (user, password) = (serverUser, serverPassword);
            }
        }

        return (string.Join(',', bare), user, password);
    }

    /// <summary>The URL, or each URL of a list, with any password masked, fit for a log line.</summary>
    public static string Redact(string url) => string.Join(',', Servers(url).Select(RedactOne));

    /// <summary>The servers of a comma-separated list (NATS_URL may name every node of a cluster).</summary>
    public static IReadOnlyList<string> Servers(string url) =>
        url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static (string Url, string? User, string? Password) SplitOne(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.UserInfo))
        {
            return (url, null, null);
        }

        var parts = uri.UserInfo.Split(':', 2);
        var bare = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString().TrimEnd('/');
        return (bare, Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null);
    }

    private static string RedactOne(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.UserInfo))
        {
            return url;
        }

        var user = uri.UserInfo.Split(':', 2)[0];
        return new UriBuilder(uri) { UserName = user, Password = uri.UserInfo.Contains(':', StringComparison.Ordinal) ? "***" : string.Empty }
            .Uri.ToString().TrimEnd('/');
    }
}
