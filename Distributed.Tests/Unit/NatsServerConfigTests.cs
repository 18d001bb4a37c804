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

            var environment = NatsServerConfig.Environment("operator", "p", identity => identity.User);
            foreach (var (variable, value) in node.RouteEnvironment("7e5route"))
            {
                environment[variable] = value;
            }

            var (exitCode, output) = LocalCommand.Check(command, ["-t", "-c", config], environment);
            Assert.True(exitCode == 0, output);
            var text = File.ReadAllText(config);
            Assert.Contains("server_name: \"nats-2\"", text, StringComparison.Ordinal);
            // Every route logs in: its URL (with the route password) comes from the environment, never the file.
            Assert.Contains("routes: [$NATS_ROUTE_0, $NATS_ROUTE_1, $NATS_ROUTE_2]", text, StringComparison.Ordinal);
            Assert.DoesNotContain("7e5route", text, StringComparison.Ordinal);
            Assert.Equal("\"nats-route://route:7e5route@127.0.0.1:6224\"", node.RouteEnvironment("7e5route")["NATS_ROUTE_2"]);
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
            var environment = NatsServerConfig.Environment("operator", "p", _ => password);
            environment[NatsServerConfig.OperatorPasswordVariable] = environmentValue(password);
            environment[NatsServerConfig.PasswordVariable(Distributed.Messaging.NatsIdentities.Gateway)] = environmentValue(password);
            return LocalCommand.Check(command, ["-t", "-c", config], environment);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
