using Distributed.AppHost.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Distributed.AppHost.Experiments;

public static class ExperimentsExtensions
{
    /// <summary>What the dashboard's experiment commands run on: the AppHost's NATS connection and its load generator.</summary>
    public static IDistributedApplicationBuilder AddExperiments(this IDistributedApplicationBuilder builder, IResourceBuilder<IResourceWithConnectionString> nats)
    {
        var natsResource = nats.Resource as INatsResource
            ?? throw new InvalidOperationException("The experiments need the NATS resource this AppHost defines.");
        builder.Services.AddSingleton(new ControlChannel(natsResource));
        builder.Services.AddSingleton<LoadGenerator>();
        return builder;
    }
}
