using System.Diagnostics;
using System.Text.Json;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Deployment;

/// <summary>Every service project says which image it becomes, so a tool that builds and pushes images (Aspirate) can.</summary>
public sealed class ContainerImageTests
{
    [Theory]
    [InlineData("Gateway")]
    [InlineData("Processor")]
    [InlineData("Enricher")]
    [InlineData("Aggregator")]
    public void Each_service_names_its_registry_repository_and_tag_and_they_can_be_overridden(string service)
    {
        var defaults = Properties(service);
        Assert.Equal("localhost:5111", defaults["ContainerRegistry"]);
        Assert.Equal("distributed-" + service.ToLowerInvariant(), defaults["ContainerRepository"]);
        Assert.Equal("latest", defaults["ContainerImageTag"]);

        var overridden = Properties(service, "-p:ContainerRegistry=registry.example.com", "-p:ContainerImageTag=1.2.0");
        Assert.Equal("registry.example.com", overridden["ContainerRegistry"]);
        Assert.Equal("1.2.0", overridden["ContainerImageTag"]);
    }

    private static Dictionary<string, string> Properties(string service, params string[] overrides)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            ArgumentList = { "msbuild", Path.Combine(RepositoryPaths.Root, $"Distributed.{service}"), "-getProperty:ContainerRegistry", "-getProperty:ContainerRepository", "-getProperty:ContainerImageTag" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in overrides)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output + errors);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("Properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }
}
