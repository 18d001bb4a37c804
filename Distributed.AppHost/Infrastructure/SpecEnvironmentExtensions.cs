using Microsoft.Extensions.Configuration;

namespace Distributed.AppHost.Infrastructure;

public static class SpecEnvironmentExtensions
{
    /// <summary>
    /// Passes the spec's tuning variables through from the AppHost's environment (or .env via
    /// scripts/dev.sh) to the service, only when they are set, so the service's defaults hold otherwise.
    /// </summary>
    public static IResourceBuilder<T> WithSpecEnvironment<T>(this IResourceBuilder<T> resource, IConfiguration configuration, params string[] names)
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
}
