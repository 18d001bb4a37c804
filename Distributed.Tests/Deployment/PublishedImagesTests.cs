using Distributed.AppHost.Infrastructure;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Deployment;

/// <summary>
/// The build contexts the published manifest names (deploy/nats, deploy/prometheus, deploy/grafana).
/// No container engine runs here, so the images are not built; their files are checked by the
/// real tools instead: nats-server and promtool read the configuration, sh runs the entrypoints.
/// </summary>
public sealed class PublishedImagesTests
{
    private static readonly string Deploy = Path.Combine(RepositoryPaths.Root, "deploy");

    [Theory]
    [InlineData("nats", new[] { "Dockerfile", "nats-server.conf", "entrypoint.sh" })]
    [InlineData("prometheus", new[] { "Dockerfile", "prometheus.yml" })]
    [InlineData("grafana", new[] { "Dockerfile", "entrypoint.sh", "provisioning/datasources/prometheus.yaml", "provisioning/dashboards/distributed.yaml", "dashboards/distributed.json" })]
    public void Every_file_a_dockerfile_copies_is_in_its_context(string context, string[] files)
    {
        var dockerfile = File.ReadAllText(Path.Combine(Deploy, context, "Dockerfile"));
        foreach (var file in files)
        {
            Assert.True(File.Exists(Path.Combine(Deploy, context, file)), $"deploy/{context}/{file} is missing");
        }

        foreach (var copied in dockerfile.Split('\n').Where(l => l.StartsWith("COPY ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]))
        {
            Assert.True(File.Exists(Path.Combine(Deploy, context, copied)) || Directory.Exists(Path.Combine(Deploy, context, copied)),
                $"deploy/{context}/Dockerfile copies {copied}, which is not in its context");
        }
    }

    [Fact]
    public void The_nats_configuration_is_valid_for_nats_server()
    {
        var config = File.ReadAllText(Path.Combine(Deploy, "nats", "nats-server.conf"));
        Assert.Contains("sync_interval: $NATS_SYNC_INTERVAL", config, StringComparison.Ordinal);

        // The local nats-server (2.9) predates sync_interval; the image's (2.10) knows it. Check the rest.
        var directory = Directory.CreateTempSubdirectory("nats-image").FullName;
        try
        {
            var checkedConfig = Path.Combine(directory, "nats-server.conf");
            File.WriteAllText(checkedConfig, config.Replace("sync_interval: $NATS_SYNC_INTERVAL", string.Empty, StringComparison.Ordinal)
                .Replace("/data", Path.Combine(directory, "data"), StringComparison.Ordinal));
            var (exitCode, output) = LocalTool.Run(LocalExecutables.Find("nats-server")!, ["-t", "-c", checkedConfig],
                new Dictionary<string, string> { ["NATS_USER"] = NatsServerConfig.Quoted("distributed"), ["NATS_PASSWORD"] = NatsServerConfig.Quoted("7e5secret") });
            Assert.True(exitCode == 0, output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_nats_entrypoint_takes_the_credentials_from_the_connection_string()
    {
        var directory = Directory.CreateTempSubdirectory("nats-entrypoint").FullName;
        try
        {
            // A stand-in nats-server that shows what the entrypoint hands to the real one.
            var stub = Path.Combine(directory, "nats-server");
            File.WriteAllText(stub, "#!/bin/sh\necho \"user=$NATS_USER password=$NATS_PASSWORD args=$*\"\n");
            LocalTool.Run("chmod", ["+x", stub]);
            var (exitCode, output) = LocalTool.Run("sh", [Path.Combine(Deploy, "nats", "entrypoint.sh")],
                new Dictionary<string, string> { ["ConnectionStrings__nats"] = "nats://distributed:7e5Secret9@localhost:4222", ["PATH"] = directory + ":/usr/bin:/bin" });

            Assert.True(exitCode == 0, output);
            Assert.Equal("user=\"distributed\" password=\"7e5Secret9\" args=-c /etc/nats/distributed.conf", output.Trim());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_prometheus_configuration_is_valid_for_promtool()
    {
        var promtool = LocalExecutables.Find("promtool");
        Assert.True(promtool is not null, "promtool is not installed (it comes with Debian's prometheus package)");

        var (exitCode, output) = LocalTool.Run(promtool, ["check", "config", Path.Combine(Deploy, "prometheus", "prometheus.yml")]);

        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [InlineData("nats")]
    [InlineData("grafana")]
    public void The_entrypoints_are_valid_shell(string context)
    {
        var (exitCode, output) = LocalTool.Run("sh", ["-n", Path.Combine(Deploy, context, "entrypoint.sh")]);

        Assert.True(exitCode == 0, output);
    }
}
