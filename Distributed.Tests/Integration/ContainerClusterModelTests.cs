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
    public async Task Three_nats_containers_route_to_each_other_by_name_and_the_connection_string_lists_all()
    {
        var nodes = _builder.Resources.OfType<NatsContainerResource>().OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["nats", "nats-2", "nats-3"], nodes.Select(n => n.Name));

        foreach (var node in nodes)
        {
            var mount = Assert.Single(node.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.BindMount);
            var config = File.ReadAllText(mount.Source!);
            Assert.Contains($"server_name: \"{node.Name}\"", config, StringComparison.Ordinal);
            // nats:2.10 can flush before every acknowledgement, so it does unless an operator opts out.
            Assert.Contains("sync_interval: \"always\"", config, StringComparison.Ordinal);
            // Each route logs in as the route user; its URL, password included, reaches the node by its environment.
            Assert.Contains("routes: [$NATS_ROUTE_0, $NATS_ROUTE_1, $NATS_ROUTE_2]", config, StringComparison.Ordinal);
            var environment = await EnvironmentAsync(node);
            for (var i = 0; i < nodes.Count; i++)
            {
                Assert.Equal($"\"nats-route://route:{{nats-route-password.value}}@{nodes[i].Name}:6222\"", environment[$"NATS_ROUTE_{i}"]);
            }

            Assert.Single(node.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.Volume);
        }

        var first = nodes.Single(n => n.Name == "nats");
        Assert.Equal(2, first.Peers.Count);
        var connectionString = ((IResourceWithConnectionString)first).ConnectionStringExpression.ValueExpression;
        Assert.Equal(3, connectionString.Split(',').Length);
        Assert.All(connectionString.Split(','), url => Assert.StartsWith("nats://", url, StringComparison.Ordinal));
    }

    /// <summary>A resource's environment as its manifest would write it: expressions, no secret values.</summary>
    private static async Task<Dictionary<string, string>> EnvironmentAsync(NatsContainerResource resource)
    {
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), resource, []);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return context.EnvironmentVariables.ToDictionary(
            variable => variable.Key,
            variable => variable.Value is IManifestExpressionProvider expression ? expression.ValueExpression : variable.Value.ToString() ?? string.Empty);
    }
}
