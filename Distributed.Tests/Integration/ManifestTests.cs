using System.Diagnostics;
using System.Text.Json;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Integration;

/// <summary>The AppHost's publish manifest (container mode) describes the whole topology, for tools such as Aspirate.</summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task Container_mode_manifest_has_the_services_nats_postgres_and_their_references()
    {
        var output = Directory.CreateTempSubdirectory("distributed-manifest").FullName;
        var manifestPath = Path.Combine(output, "aspire-manifest.json");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            ArgumentList = { RepositoryPaths.ServiceAssembly("Distributed.AppHost"), "--publisher", "manifest", "--output-path", manifestPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DISTRIBUTED_INFRA"] = "containers", ["DISTRIBUTED_STATE_DIR"] = Path.Combine(output, "state") },
        };
        using var process = Process.Start(info)!;
        var log = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await log + await errors);

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
        var resources = manifest.RootElement.GetProperty("resources");
        string TypeOf(string name) => resources.GetProperty(name).GetProperty("type").GetString()!;
        string EnvOf(string name, string variable) => resources.GetProperty(name).GetProperty("env").GetProperty(variable).GetString()!;

        foreach (var project in new[] { "gateway", "processor", "enricher", "aggregator" })
        {
            Assert.Equal("project.v0", TypeOf(project));
            Assert.Equal("{nats.connectionString}", EnvOf(project, "ConnectionStrings__nats"));
        }

        Assert.Equal("container.v0", TypeOf("nats"));
        Assert.Equal("container.v0", TypeOf("postgres"));
        Assert.Equal("container.v0", TypeOf("prometheus"));
        Assert.Equal("{aggregator-db.connectionString}", EnvOf("aggregator", "ConnectionStrings__aggregator"));
        Assert.Contains("{nats-password.value}", resources.GetProperty("nats").GetProperty("connectionString").GetString(), StringComparison.Ordinal);
        Assert.True(resources.GetProperty("nats-password").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
    }
}
