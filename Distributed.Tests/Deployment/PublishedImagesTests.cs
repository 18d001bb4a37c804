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
    [InlineData("prometheus", new[] { "Dockerfile", "prometheus.yml", "alerts.yml" })]
    [InlineData("postgres", new[] { "Dockerfile", "initdb/10-aggregator-roles.sh" })]
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
            var (exitCode, output) = LocalCommand.Check(LocalExecutables.Find("nats-server")!, ["-t", "-c", checkedConfig],
                NatsServerConfig.Environment("operator", "7e5secret", identity => "7e5" + identity.User));
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
        var environment = new Dictionary<string, string> { ["ConnectionStrings__nats"] = "nats://operator:7e5Secret9@localhost:4222" };
        foreach (var identity in Distributed.Messaging.NatsIdentities.All)
        {
            environment[$"ConnectionStrings__nats_{identity.User}"] = $"nats://{identity.User}:1e{identity.User.Length}x@localhost:4222";
        }

        // A stand-in nats-server that shows what the entrypoint hands to the real one.
        var (exitCode, output) = RunWithStandIn(
            "nats-server",
            "echo \"user=$NATS_USER password=$NATS_PASSWORD gateway=$NATS_GATEWAY_PASSWORD processor=$NATS_PROCESSOR_PASSWORD enricher=$NATS_ENRICHER_PASSWORD aggregator=$NATS_AGGREGATOR_PASSWORD provisioner=$NATS_PROVISIONER_PASSWORD args=$*\"",
            Path.Combine(Deploy, "nats", "entrypoint.sh"),
            environment);

        Assert.True(exitCode == 0, output);
        Assert.Equal(
            "user=\"operator\" password=\"7e5Secret9\" gateway=\"1e7x\" processor=\"1e9x\" enricher=\"1e8x\" aggregator=\"1e10x\" provisioner=\"1e11x\" args=-c /etc/nats/distributed.conf",
            output.Trim());
    }

    [Fact]
    public void The_postgres_image_creates_the_roles_with_the_passwords_of_their_connection_strings()
    {
        // A stand-in psql that shows the SQL the script sends as the image's superuser.
        var (exitCode, output) = RunWithStandIn("psql", "echo \"psql $*\"\ncat", Path.Combine(Deploy, "postgres", "initdb", "10-aggregator-roles.sh"), new()
        {
            ["POSTGRES_USER"] = "postgres",
            ["POSTGRES_DB"] = "aggregator",
            ["ConnectionStrings__aggregator_owner"] = "Host=postgres;Port=5432;Username=aggregator_owner;Password=0wn'er;Database=aggregator",
            ["ConnectionStrings__aggregator"] = "Host=postgres;Port=5432;Username=aggregator_ingest;Password=1ngest;Database=aggregator",
            ["ConnectionStrings__aggregator_reader"] = "Host=postgres;Port=5432;Username=aggregator_reader;Password=r3ader;Database=aggregator",
        });

        Assert.True(exitCode == 0, output);
        Assert.Contains("psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres", output, StringComparison.Ordinal);
        Assert.Contains("ALTER ROLE aggregator_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '0wn''er';", output, StringComparison.Ordinal);
        Assert.Contains("PASSWORD '1ngest';", output, StringComparison.Ordinal);
        Assert.Contains("PASSWORD 'r3ader';", output, StringComparison.Ordinal);
        Assert.Contains("ALTER ROLE aggregator_reader SET default_transaction_read_only = on;", output, StringComparison.Ordinal);
        Assert.Contains("ALTER DATABASE \"aggregator\" OWNER TO aggregator_owner", output, StringComparison.Ordinal);
    }

    /// <summary>Runs an image's script with a stand-in for the tool it ends in, first on the PATH.</summary>
    private static (int ExitCode, string Output) RunWithStandIn(string tool, string standIn, string script, Dictionary<string, string> environment)
    {
        var directory = Directory.CreateTempSubdirectory(tool + "-stand-in").FullName;
        try
        {
            var path = Path.Combine(directory, tool);
            File.WriteAllText(path, $"#!/bin/sh\n{standIn}\n");
            LocalCommand.Check("chmod", ["+x", path]);
            environment["PATH"] = directory + ":/usr/bin:/bin";
            return LocalCommand.Check("sh", [script], environment);
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

        var (exitCode, output) = LocalCommand.Check(promtool, ["check", "config", Path.Combine(Deploy, "prometheus", "prometheus.yml")]);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void Every_alert_rule_passes_its_promtool_unit_tests()
    {
        var promtool = LocalExecutables.Find("promtool");
        Assert.True(promtool is not null, "promtool is not installed (it comes with Debian's prometheus package)");

        // Series that must fire each alert and series that must not: deploy/prometheus/alerts.test.yml.
        var (exitCode, output) = LocalCommand.Check(promtool, ["test", "rules", Path.Combine(Deploy, "prometheus", "alerts.test.yml")]);

        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [InlineData("nats")]
    [InlineData("grafana")]
    public void The_entrypoints_are_valid_shell(string context)
    {
        var (exitCode, output) = LocalCommand.Check("sh", ["-n", Path.Combine(Deploy, context, "entrypoint.sh")]);

        Assert.True(exitCode == 0, output);
    }
}
