using Distributed.AppHost.Infrastructure;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Deployment;

/// <summary>
/// The NATS configurations deployed without the AppHost (the manifest's image, deploy/k8s) carry
/// the same identities and permissions the AppHost renders from NatsIdentities, experiments off.
/// </summary>
public sealed class NatsAuthorizationTests
{
    private const string Begin = "# AUTHORIZATION";
    private const string End = "# END AUTHORIZATION";

    [Theory]
    [InlineData("nats/nats-server.conf")]
    [InlineData("k8s/nats.yaml")]
    public void The_deployed_configuration_holds_each_identity_to_its_pattern(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", file));
        var lines = text.Split('\n').Select(line => line.Trim()).ToList();
        var begin = lines.FindIndex(line => line.StartsWith(Begin + " ", StringComparison.Ordinal));
        var end = lines.IndexOf(End);
        Assert.True(begin >= 0 && end > begin, $"deploy/{file} has no {Begin} … {End} block");

        var expected = NatsServerConfig.Authorization(experiments: false);
        Assert.True(
            Normalized(string.Join('\n', lines[(begin + 1)..end])) == Normalized(expected),
            $"deploy/{file} between its {Begin} markers must read (indented as the file is):\n{expected}");
    }

    private static string Normalized(string text) =>
        string.Join('\n', text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));
}
