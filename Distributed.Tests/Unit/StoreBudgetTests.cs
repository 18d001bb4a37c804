using System.Text.RegularExpressions;
using Distributed.AppHost.Infrastructure;
using Distributed.Messaging;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Unit;

/// <summary>
/// Every byte JetStream may keep is bounded, under the server's max_file_store, which sits under
/// the volume: a full store shows up as a full stream (a 503 at the gateway), not a full disk.
/// </summary>
public sealed partial class StoreBudgetTests
{
    [Fact]
    public void The_streams_and_the_bucket_fit_in_the_servers_store_with_the_default_limits()
    {
        Assert.All(PipelineTopology.Streams(new StreamLimits()), stream => Assert.True(stream.MaxBytes > 0, $"{stream.Name} has no byte limit"));
        Assert.True(PipelineTopology.ReservedBytes(new StreamLimits()) <= PipelineTopology.MaxFileStore);
    }

    [Fact]
    public void Every_nats_configuration_caps_its_store_and_the_kubernetes_volume_holds_it()
    {
        var directory = Directory.CreateTempSubdirectory("nats-store").FullName;
        try
        {
            var local = File.ReadAllText(NatsServerConfig.Write(Path.Combine(directory, "nats.conf"), "127.0.0.1:1", "127.0.0.1:2", "/data"));
            Assert.Contains($"max_file_store: {PipelineTopology.MaxFileStore}", local, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        // nats-server reads GB as 2^30 bytes.
        Assert.Equal(3L << 30, PipelineTopology.MaxFileStore);
        foreach (var file in new[] { "nats/nats-server.conf", "k8s/nats.yaml" })
        {
            Assert.Contains("max_file_store: 3GB", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", file)), StringComparison.Ordinal);
        }

        var volume = VolumeSize().Match(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "nats.yaml")));
        Assert.True(long.Parse(volume.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) << 30 > PipelineTopology.MaxFileStore);
    }

    [GeneratedRegex(@"storage: (\d+)Gi")]
    private static partial Regex VolumeSize();
}
