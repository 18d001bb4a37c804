using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Distributed.Tests.Integration;

/// <summary>
/// The topology on a three-node NATS cluster (streams on all three), with two replicas of every
/// service: what a user gets from NATS_CLUSTER_SIZE=3 and the *_REPLICAS settings.
/// </summary>
public sealed class ClusterFixture : AppHostFixture
{
    public const int NatsPort = 11222;
    public const int PrometheusPortOfCluster = 11092;
    public static readonly string[] Nodes = ["nats", "nats-2", "nats-3"];

    protected override IEnumerable<string> Settings =>
    [
        "NATS_CLUSTER_SIZE=3",
        $"NATS_PORT={NatsPort}",
        "NATS_MONITOR_PORT=11822",
        "NATS_CLUSTER_PORT=11622",
        "POSTGRES_PORT=11432",
        "GATEWAY_ADDR=127.0.0.1:11000",
        "AGGREGATOR_ADDR=127.0.0.1:11001",
        "PROCESSOR_METRICS_PORT=11091",
        "ENRICHER_METRICS_PORT=11090",
        $"PROMETHEUS_PORT={PrometheusPortOfCluster}",
        "PROCESSOR_REPLICAS=2",
        "ENRICHER_REPLICAS=2",
        "AGGREGATOR_REPLICAS=2",
        "PROCESSING_DELAY_MS=5",
        "ENRICH_DELAY_MS=1",
    ];

    protected override IEnumerable<string> WaitedFor => ["gateway", "prometheus", .. Nodes];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await AllReplicasHealthyAsync(timeout.Token, ("enricher", 2), ("processor", 2), ("aggregator", 2));
    }

    /// <summary>Waits until each named resource has that many instances running and healthy.</summary>
    private async Task AllReplicasHealthyAsync(CancellationToken cancellationToken, params (string Name, int Replicas)[] wanted)
    {
        var healthy = new Dictionary<string, bool>();
        await foreach (var change in App.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (wanted.Any(w => w.Name == change.Resource.Name))
            {
                healthy[change.ResourceId] = change.Snapshot.State?.Text == KnownResourceStates.Running
                    && change.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy;
            }

            if (wanted.All(w => healthy.Count(h => h.Value && h.Key.StartsWith(w.Name + "-", StringComparison.Ordinal)) >= w.Replicas))
            {
                return;
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "nats cluster";
}
