using Microsoft.Extensions.Configuration;

namespace Distributed.AppHost.Infrastructure;

public static class ServiceEnvironmentExtensions
{
    /// <summary>
    /// Passes the services' tuning variables through from the AppHost's environment (or .env via
    /// scripts/dev.sh) to the service, only when they are set, so the service's defaults hold otherwise.
    /// </summary>
    public static IResourceBuilder<T> WithPassedThrough<T>(this IResourceBuilder<T> resource, IConfiguration configuration, IEnumerable<string> names)
        where T : IResourceWithEnvironment
    {
        foreach (var name in names)
        {
            if (configuration[name] is { Length: > 0 } value)
            {
                resource.WithEnvironment(name, value);
            }
        }

        return resource;
    }

    /// <summary>
    /// Passes a configuration section through as the environment variables ASP.NET Core reads it
    /// back from (<c>Authentication__Schemes__Bearer__ValidIssuer</c>), only the keys that are set.
    /// </summary>
    public static IResourceBuilder<T> WithPassedThroughSection<T>(this IResourceBuilder<T> resource, IConfiguration configuration, string section)
        where T : IResourceWithEnvironment
    {
        foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
        {
            if (value is { Length: > 0 })
            {
                resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return resource;
    }

    /// <summary>
    /// Clears a listen-address variable that the AppHost's own environment (a sourced .env)
    /// would otherwise pass down: under Aspire the service must listen where Aspire's proxy
    /// sends traffic (ASPNETCORE_URLS), not on the host port the proxy itself holds.
    /// </summary>
    public static IResourceBuilder<T> WithoutListenAddress<T>(this IResourceBuilder<T> resource, string variable)
        where T : IResourceWithEnvironment =>
        resource.WithEnvironment(variable, string.Empty);
}
