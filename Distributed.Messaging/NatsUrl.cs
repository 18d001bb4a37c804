using Microsoft.Extensions.Configuration;

namespace Distributed.Messaging;

/// <summary>Where the NATS server is: Aspire's connection string wins over NATS_URL, which wins over the default.</summary>
public static class NatsUrl
{
    public const string ConnectionName = "nats";
    public const string Default = "nats://localhost:4222";
    public const string VariableName = "NATS_URL";

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
    /// Splits user:password out of the URL, so that the client is given the credentials as
    /// options and the URL it may log holds none.
    /// </summary>
    public static (string Url, string? User, string? Password) SplitCredentials(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.UserInfo))
        {
            return (url, null, null);
        }

        var parts = uri.UserInfo.Split(':', 2);
        var bare = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString().TrimEnd('/');
        return (bare, Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null);
    }

    /// <summary>The URL with any password masked, fit for a log line.</summary>
    public static string Redact(string url)
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
