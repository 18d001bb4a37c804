using Microsoft.Extensions.Configuration;

namespace Distributed.ServiceDefaults.Messaging;

/// <summary>Where the NATS server is: Aspire's connection string wins over NATS_URL, which wins over the default.</summary>
public static class NatsUrl
{
    public const string ConnectionName = "nats";
    public const string Default = "nats://localhost:4222";

    public static string Resolve(IConfiguration configuration)
    {
        var fromAspire = configuration.GetConnectionString(ConnectionName);
        if (!string.IsNullOrWhiteSpace(fromAspire))
        {
            return fromAspire.Trim();
        }

        var fromEnvironment = configuration["NATS_URL"];
        return string.IsNullOrWhiteSpace(fromEnvironment) ? Default : fromEnvironment.Trim();
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
