using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distributed.Tests.Integration;

/// <summary>
/// The whole topology, started once through the real AppHost in local mode: nats-server and
/// PostgreSQL as processes in a fresh state directory, the four services as projects. Ports
/// differ from the defaults so a running ./scripts/dev.sh does not collide with the tests.
/// </summary>
public class AppHostFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    /// <summary>Where this topology's NATS and PostgreSQL keep their data.</summary>
    protected string StateDirectory { get; } = Path.Combine(Path.GetTempPath(), "distributed-tests", Guid.NewGuid().ToString("N"));

    public const int PrometheusPort = 19092;

    /// <summary>The AppHost's settings for this topology (ports apart from every other fixture's).</summary>
    protected virtual IEnumerable<string> Settings =>
    [
        "NATS_PORT=14222",
        "NATS_MONITOR_PORT=18222",
        "POSTGRES_PORT=15432",
        "GATEWAY_ADDR=127.0.0.1:13000",
        "AGGREGATOR_ADDR=127.0.0.1:13001",
        "PROCESSOR_METRICS_PORT=19091",
        "ENRICHER_METRICS_PORT=19090",
        $"PROMETHEUS_PORT={PrometheusPort}",
        "PROCESSOR_REPLICAS=2",
        "PROCESSING_DELAY_MS=5",
        "ENRICH_DELAY_MS=1",
    ];

    /// <summary>Resources whose health the start waits for; one with replicas is not waited on by name.</summary>
    protected virtual IEnumerable<string> WaitedFor => ["gateway", "aggregator", "enricher", "processor", "prometheus"];

    public DistributedApplication App { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    public HttpClient Aggregator { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Directory.CreateDirectory(StateDirectory);
        string[] args = ["DISTRIBUTED_INFRA=local", $"DISTRIBUTED_STATE_DIR={StateDirectory}", .. Settings];

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Distributed_AppHost>(
            args,
            (options, _) => options.DisableDashboard = true);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("System.Net.Http", LogLevel.Warning)
            .AddFilter("Aspire", LogLevel.Warning));

        App = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await App.StartAsync(timeout.Token);
        foreach (var service in WaitedFor)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(service, timeout.Token);
        }

        Gateway = App.CreateHttpClient("gateway", "http");
        Aggregator = App.CreateHttpClient("aggregator", "http");
    }

    public HttpClient CreateClient(string resource) => App.CreateHttpClient(resource, "http");

    public async Task<string> NatsUrlAsync() =>
        await App.GetConnectionStringAsync("nats") ?? throw new InvalidOperationException("no NATS connection string");

    /// <summary>The NATS URL a service's process is given: that identity's user and password, as an attacker holding it would have.</summary>
    public async Task<string> NatsUrlAsync(Distributed.Messaging.NatsIdentity identity) =>
        await App.GetConnectionStringAsync($"nats-{identity.User}") ?? throw new InvalidOperationException($"no NATS connection string for {identity.User}");

    public virtual async Task DisposeAsync()
    {
        Gateway?.Dispose();
        Aggregator?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS temp cleaner takes what is left.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "topology";
}
