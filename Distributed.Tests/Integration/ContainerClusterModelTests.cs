using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Distributed.AppHost.Infrastructure;

namespace Distributed.Tests.Integration;

/// <summary>
/// Container mode's NATS cluster, as the AppHost declares it: no container engine runs here, so
/// the model is checked instead of a running cluster (local mode's cluster runs in NatsClusterTests).
/// </summary>
public sealed class ContainerClusterModelTests : IAsyncLifetime
{
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("distributed-container-model").FullName;
    private IDistributedApplicationTestingBuilder _builder = null!;

    public async Task InitializeAsync() =>
        _builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Distributed_AppHost>(
            ["DISTRIBUTED_INFRA=containers", "NATS_CLUSTER_SIZE=3", $"DISTRIBUTED_STATE_DIR={_stateDirectory}"],
            (options, _) => options.DisableDashboard = true);

    public async Task DisposeAsync()
    {
        await _builder.DisposeAsync();
        Directory.Delete(_stateDirectory, recursive: true);
    }

    [Fact]
    public void Three_nats_containers_route_to_each_other_by_name_and_the_connection_string_lists_all()
    {
        var nodes = _builder.Resources.OfType<NatsContainerResource>().OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["nats", "nats-2", "nats-3"], nodes.Select(n => n.Name));

        foreach (var node in nodes)
        {
            var mount = Assert.Single(node.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.BindMount);
            var config = File.ReadAllText(mount.Source!);
            Assert.Contains($"server_name: \"{node.Name}\"", config, StringComparison.Ordinal);
            Assert.All(nodes, peer => Assert.Contains($"nats-route://{peer.Name}:6222", config, StringComparison.Ordinal));
            Assert.Single(node.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.Volume);
        }

        var first = nodes.Single(n => n.Name == "nats");
        Assert.Equal(2, first.Peers.Count);
        var connectionString = ((IResourceWithConnectionString)first).ConnectionStringExpression.ValueExpression;
        Assert.Equal(3, connectionString.Split(',').Length);
        Assert.All(connectionString.Split(','), url => Assert.StartsWith("nats://", url, StringComparison.Ordinal));
    }
}
