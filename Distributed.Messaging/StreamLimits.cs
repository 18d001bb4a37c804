using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Distributed.Messaging;

/// <summary>
/// How the streams are kept. Explicit bounds on the work streams: when one is full the stream
/// refuses new messages (discard-new), so the gateway answers 503 instead of NATS dropping
/// accepted work. And how many nodes of a NATS cluster hold each stream's copy.
/// </summary>
public sealed class StreamLimits
{
    [ConfigurationKeyName("STREAM_MAX_MSGS")]
    [Range(1, long.MaxValue)]
    public long MaxMessages { get; set; } = 1_000_000;

    [ConfigurationKeyName("STREAM_MAX_BYTES")]
    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Copies of every stream in a NATS cluster (JetStream allows at most 5; 3 survives one node's
    /// loss). Unset, the streams follow the cluster the service is connected to: one copy per
    /// server it knows of, up to 3 (<see cref="ReplicasFor"/>).
    /// </summary>
    [ConfigurationKeyName("NATS_STREAM_REPLICAS")]
    [Range(1, 5)]
    public int? Replicas { get; set; }

    /// <summary>
    /// The copies to declare: the configured number, or as many as the cluster has servers (each
    /// server tells its clients every server's URL, itself included), up to 3.
    /// </summary>
    public int ReplicasFor(IReadOnlyCollection<string>? clusterServers) =>
        Replicas ?? Math.Clamp(clusterServers?.Count ?? 1, 1, 3);
}
