using Distributed.AppHost.Infrastructure;

namespace Distributed.Tests.Unit;

/// <summary>The configuration the AppHost writes, checked by the real nats-server (<c>-t</c>).</summary>
public sealed class NatsServerConfigTests
{
    [Theory]
    [InlineData("7e5abc")]
    [InlineData("1234")]
    [InlineData("1.5abc")]
    [InlineData("true")]
    [InlineData("plain")]
    public void Any_generated_password_reaches_nats_server_as_a_string(string password)
    {
        var (exitCode, output) = Check(password => NatsServerConfig.Quoted(password), password);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void Unquoted_a_number_like_password_breaks_the_config()
    {
        // Why the credentials are quoted: without it nats-server refuses to start.
        var (exitCode, _) = Check(password => password, "7e5abc");

        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public void A_cluster_node_config_names_its_server_and_routes_to_every_node()
    {
        var command = LocalExecutables.Find("nats-server");
        Assert.True(command is not null, "nats-server is not installed (scripts/install-deps.sh installs it)");
        var directory = Directory.CreateTempSubdirectory("nats-cluster-config").FullName;
        try
        {
            var routes = NatsResourceExtensions.NodeNames("nats", 3).Select((_, i) => $"nats-route://127.0.0.1:{6222 + i}").ToList();
            var node = new NatsClusterNode("nats-2", "distributed", "127.0.0.1:6223", routes);
            var config = NatsServerConfig.Write(Path.Combine(directory, "nats.conf"), "127.0.0.1:4223", "127.0.0.1:8223", Path.Combine(directory, "js"), cluster: node);

            var (exitCode, output) = LocalTool.Run(command, ["-t", "-c", config],
                new Dictionary<string, string> { ["NATS_USER"] = NatsServerConfig.Quoted("distributed"), ["NATS_PASSWORD"] = NatsServerConfig.Quoted("p") });
            Assert.True(exitCode == 0, output);
            var text = File.ReadAllText(config);
            Assert.Contains("server_name: \"nats-2\"", text, StringComparison.Ordinal);
            Assert.All(routes, route => Assert.Contains(route, text, StringComparison.Ordinal));
            Assert.Equal(["nats", "nats-2", "nats-3"], NatsResourceExtensions.NodeNames("nats", 3));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (int ExitCode, string Output) Check(Func<string, string> environmentValue, string password)
    {
        var command = LocalExecutables.Find("nats-server");
        Assert.True(command is not null, "nats-server is not installed (scripts/install-deps.sh installs it)");
        var directory = Directory.CreateTempSubdirectory("nats-config").FullName;
        try
        {
            var config = NatsServerConfig.Write(Path.Combine(directory, "nats.conf"), "127.0.0.1:1", "127.0.0.1:2", Path.Combine(directory, "js"));
            return LocalTool.Run(command, ["-t", "-c", config],
                new Dictionary<string, string> { ["NATS_USER"] = NatsServerConfig.Quoted("distributed"), ["NATS_PASSWORD"] = environmentValue(password) });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
