using Distributed.AppHost.Infrastructure;

namespace Distributed.Tests.Unit;

public sealed class NatsSyncIntervalTests
{
    [Theory]
    [InlineData(null, "always")]
    [InlineData("", "always")]
    [InlineData("always", "always")]
    [InlineData(" Always ", "always")]
    [InlineData("10s", "10s")]
    [InlineData("2m", "2m")]
    [InlineData("500ms", "500ms")]
    public void Durable_unless_an_operator_asks_for_a_duration(string? configured, string expected)
    {
        Assert.Equal(expected, NatsSyncInterval.Parse(configured));
    }

    [Theory]
    [InlineData("sometimes")]
    [InlineData("10")]
    [InlineData("-1s")]
    public void Refuses_anything_else_naming_the_variable(string configured)
    {
        var error = Assert.Throws<InvalidOperationException>(() => NatsSyncInterval.Parse(configured));
        Assert.Contains("NATS_SYNC_INTERVAL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_that_knows_sync_interval_gets_it_without_a_notice()
    {
        Assert.Equal("always", NatsSyncInterval.ForServer("always", new Version(2, 10, 22), out var notice));
        Assert.Null(notice);
    }

    [Fact]
    public void An_older_server_runs_with_its_default_and_the_cost_is_said_plainly()
    {
        Assert.Null(NatsSyncInterval.ForServer("always", new Version(2, 9, 10), out var notice));
        Assert.Contains("not applied", notice, StringComparison.Ordinal);
        Assert.Contains("power loss", notice, StringComparison.Ordinal);
        Assert.Null(NatsSyncInterval.ForServer(null, new Version(2, 9, 10), out var none));
        Assert.Null(none);
    }

    [Fact]
    public void The_written_config_carries_sync_interval_only_when_asked()
    {
        var directory = Directory.CreateTempSubdirectory("nats-config").FullName;
        try
        {
            var plain = File.ReadAllText(NatsServerConfig.Write(Path.Combine(directory, "a.conf"), "127.0.0.1:1", "127.0.0.1:2", "/data"));
            var strict = File.ReadAllText(NatsServerConfig.Write(Path.Combine(directory, "b.conf"), "127.0.0.1:1", "127.0.0.1:2", "/data", "always"));

            Assert.DoesNotContain("sync_interval", plain, StringComparison.Ordinal);
            Assert.Contains("sync_interval: \"always\"", strict, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_local_nats_server_accepts_the_config_it_is_given()
    {
        var command = LocalExecutables.Find("nats-server");
        Assert.True(command is not null, "nats-server is not installed (scripts/install-deps.sh installs it)");
        var version = NatsSyncInterval.VersionOf(command);
        Assert.NotNull(version);

        var directory = Directory.CreateTempSubdirectory("nats-config").FullName;
        try
        {
            // What the AppHost writes for this server when the strict setting is asked for.
            var sync = NatsSyncInterval.ForServer("always", version, out _);
            var config = NatsServerConfig.Write(Path.Combine(directory, "nats.conf"), "127.0.0.1:1", "127.0.0.1:2", Path.Combine(directory, "js"), sync);
            var (exitCode, output) = LocalCommand.Check(command, ["-t", "-c", config], NatsServerConfig.Environment("u", "p", _ => "p"));
            Assert.True(exitCode == 0, output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
