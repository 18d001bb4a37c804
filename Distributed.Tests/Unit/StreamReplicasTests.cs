using Distributed.Messaging;

namespace Distributed.Tests.Unit;

/// <summary>How many copies of each stream a service declares (the cluster tests show it on three live servers).</summary>
public sealed class StreamReplicasTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(5, 3)]
    public void Unset_the_streams_follow_the_cluster_up_to_three(int servers, int expected)
    {
        string[] urls = [.. Enumerable.Range(0, servers).Select(i => $"127.0.0.1:{4222 + i}")];

        Assert.Equal(expected, new StreamLimits().ReplicasFor(servers == 0 ? null : urls));
    }

    [Fact]
    public void An_operators_number_wins()
    {
        Assert.Equal(5, new StreamLimits { Replicas = 5 }.ReplicasFor(["a:1", "b:1", "c:1"]));
        Assert.Equal(1, new StreamLimits { Replicas = 1 }.ReplicasFor(["a:1", "b:1", "c:1"]));
    }
}
