using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Integration;

/// <summary>
/// The AppHost's publish manifest (container mode), held to what Aspirate can process: only the
/// resource types it knows, no bind mounts, every placeholder resolvable from the manifest itself,
/// credentials only in variables it turns into Secrets, every parameter generated or defaulted.
/// </summary>
public sealed partial class ManifestTests : IAsyncLifetime
{
    private static readonly HashSet<string> KnownTypes = ["project.v0", "container.v0", "container.v1", "dockerfile.v0", "parameter.v0", "value.v0"];

    // Aspirate turns these into Secrets; any other variable lands in a ConfigMap.
    private static readonly string[] SecretVariables = ["POSTGRES_PASSWORD", "MSSQL_SA_PASSWORD"];

    private static readonly string[] DatabaseRoles = ["owner", "ingest", "reader"];

    private JsonDocument _manifest = null!;

    private JsonElement Resources => _manifest.RootElement.GetProperty("resources");

    public async Task InitializeAsync() => _manifest = await PublishAsync();

    public Task DisposeAsync()
    {
        _manifest.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void It_has_the_services_nats_postgres_and_their_references()
    {
        // Each service connects to NATS as its own identity, with a password of its own.
        foreach (var project in new[] { "gateway", "processor", "enricher", "aggregator" })
        {
            Assert.Equal("project.v0", TypeOf(project));
            Assert.Equal($"{{nats-{project}.connectionString}}", EnvOf(project, "ConnectionStrings__nats"));
            Assert.Contains($"{{nats-{project}-password.value}}", Resources.GetProperty($"nats-{project}").GetProperty("connectionString").GetString(), StringComparison.Ordinal);
            Assert.Equal("false", EnvOf(project, "EXPERIMENTS_ENABLED"));
        }

        // Both APIs ask every client for a token, signed with a generated key that travels as a connection string (a Secret).
        foreach (var (api, audience) in new[] { ("gateway", Contracts.ApiTokens.GatewayAudience), ("aggregator", Contracts.ApiTokens.QueryAudience) })
        {
            Assert.Equal("true", EnvOf(api, Contracts.ApiTokens.EnabledVariable));
            Assert.Equal(audience, EnvOf(api, "Authentication__Schemes__Bearer__ValidAudiences__0"));
            Assert.Equal(Contracts.ApiTokens.Issuer, EnvOf(api, "Authentication__Schemes__Bearer__ValidIssuer"));
            Assert.Equal("{api-signing-key.value}", EnvOf(api, $"ConnectionStrings__{Contracts.ApiTokens.SigningKeyConnectionName}"));
        }

        // The aggregator's two database roles, none of them the superuser; the owner's is the provisioning step's alone.
        Assert.Equal("{postgres-ingest.connectionString}", EnvOf("aggregator", "ConnectionStrings__aggregator"));
        Assert.Null(EnvOrNull("aggregator", "ConnectionStrings__aggregator_owner"));
        Assert.Equal("{postgres-reader.connectionString}", EnvOf("aggregator", "ConnectionStrings__aggregator_reader"));
        Assert.Equal("{postgres-owner.connectionString}", EnvOf("provision", "ConnectionStrings__aggregator_owner"));
        Assert.Equal("{nats-provisioner.connectionString}", EnvOf("provision", "ConnectionStrings__nats"));
        Assert.All(DatabaseRoles, role =>
            Assert.Contains($"Username=aggregator_{role};", Resources.GetProperty($"postgres-{role}").GetProperty("connectionString").GetString(), StringComparison.Ordinal));
        Assert.Contains("{nats-password.value}", Resources.GetProperty("nats").GetProperty("connectionString").GetString(), StringComparison.Ordinal);
        Assert.Equal("../../deploy/postgres", RelativeBuildContext("postgres"));
        Assert.Equal("always", EnvOf("nats", "NATS_SYNC_INTERVAL"));
        Assert.Equal("../../deploy/nats", RelativeBuildContext("nats"));
        Assert.Equal("../../deploy/prometheus", RelativeBuildContext("prometheus"));
        Assert.Equal("../../deploy/grafana", RelativeBuildContext("grafana"));
    }

    [Fact]
    public void Only_resource_types_aspirate_knows_and_no_bind_mounts()
    {
        Assert.All(Resources.EnumerateObject(), resource =>
        {
            Assert.True(KnownTypes.Contains(TypeOf(resource.Name)), $"{resource.Name} is a {TypeOf(resource.Name)}");
            Assert.False(resource.Value.TryGetProperty("bindMounts", out _), $"{resource.Name} has bind mounts");
        });
    }

    [Fact]
    public void Every_placeholder_resolves_within_the_manifest()
    {
        var unresolved = AllStrings(_manifest.RootElement)
            .SelectMany(text => Placeholder().Matches(text).Select(m => m.Groups[1].Value))
            .Distinct()
            .Where(path => !Resolves(path))
            .ToList();

        Assert.True(unresolved.Count == 0, "unresolvable: " + string.Join(", ", unresolved));
    }

    [Fact]
    public void Credentials_reach_containers_only_through_variables_that_become_secrets()
    {
        var secretParameters = Resources.EnumerateObject()
            .Where(r => TypeOf(r.Name) == "parameter.v0" && r.Value.GetProperty("inputs").GetProperty("value").TryGetProperty("secret", out var secret) && secret.GetBoolean())
            .Select(r => $"{{{r.Name}.value}}")
            .ToList();
        Assert.NotEmpty(secretParameters);

        foreach (var resource in Resources.EnumerateObject().Where(r => r.Value.TryGetProperty("env", out _)))
        {
            foreach (var variable in resource.Value.GetProperty("env").EnumerateObject())
            {
                var value = variable.Value.GetString() ?? string.Empty;
                var carriesSecret = secretParameters.Any(p => value.Contains(p, StringComparison.Ordinal))
                    || variable.Name.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase);
                var becomesSecret = variable.Name.StartsWith("ConnectionString", StringComparison.Ordinal) || SecretVariables.Contains(variable.Name);
                Assert.False(carriesSecret && !becomesSecret, $"{resource.Name}: {variable.Name} would put a credential in a ConfigMap");
            }
        }
    }

    [Fact]
    public void Every_parameter_is_generated_or_has_a_default()
    {
        foreach (var parameter in Resources.EnumerateObject().Where(r => TypeOf(r.Name) == "parameter.v0"))
        {
            var input = parameter.Value.GetProperty("inputs").GetProperty("value");
            Assert.True(input.TryGetProperty("default", out var fallback) && (fallback.TryGetProperty("generate", out _) || fallback.TryGetProperty("value", out _)),
                $"{parameter.Name} would make Aspirate prompt for a value");
        }
    }

    /// <summary>
    /// As Aspirate's binding and expression processors resolve a path: a binding's host is the
    /// resource's name, its port is the port or else the target port, its url and targetPort need the
    /// target port; a parameter's value comes from its input; anything else must be written out.
    /// </summary>
    private bool Resolves(string path)
    {
        var parts = path.Split('.');
        if (!Resources.TryGetProperty(parts[0], out var resource))
        {
            return false;
        }

        if (parts is [_, "bindings", var name, var property])
        {
            if (!resource.TryGetProperty("bindings", out var bindings) || !bindings.TryGetProperty(name, out var binding))
            {
                return false;
            }

            return property switch
            {
                "host" or "scheme" => true,
                "port" => binding.TryGetProperty("port", out _) || binding.TryGetProperty("targetPort", out _),
                "targetPort" or "url" => binding.TryGetProperty("targetPort", out _),
                _ => false,
            };
        }

        var node = resource;
        foreach (var part in parts[1..])
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node))
            {
                return false;
            }
        }

        return true;
    }

    private string TypeOf(string name) => Resources.GetProperty(name).GetProperty("type").GetString()!;

    private string EnvOf(string name, string variable) => Resources.GetProperty(name).GetProperty("env").GetProperty(variable).GetString()!;

    private string? EnvOrNull(string name, string variable) =>
        Resources.GetProperty(name).GetProperty("env").TryGetProperty(variable, out var value) ? value.GetString() : null;

    private string RelativeBuildContext(string name)
    {
        var context = Resources.GetProperty(name).GetProperty("build").GetProperty("context").GetString()!;
        return context[context.IndexOf("/deploy/", StringComparison.Ordinal)..].Insert(0, "../..");
    }

    private static IEnumerable<string> AllStrings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => AllStrings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(AllStrings),
        _ => [],
    };

    private static async Task<JsonDocument> PublishAsync()
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
        try
        {
            using var process = Process.Start(info)!;
            var log = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, await log + await errors);
            return JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)\}")]
    private static partial Regex Placeholder();
}
