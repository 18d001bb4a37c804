using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Distributed.AppHost.Infrastructure;
using Distributed.Contracts;
using Distributed.ServiceDefaults.Http;
using Distributed.Tests.Deployment;
using Distributed.Tests.Integration;
using YamlDotNet.RepresentationModel;

namespace Distributed.Tests.Faults;

/// <summary>
/// The gateway as deploy/k8s configures its authentication (every AUTH_ and Authentication__
/// variable of its rendered container, the signing key as the Secret gives it) accepts the tokens deploy/k8s/mint-token.sh mints, and only
/// those: what is deployed and what its operator is told to run fit together.
/// </summary>
public sealed class DeployedTokenTests() : StartedProcesses("distributed-deployed-token")
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
    private readonly int _port = ProcessLauncher.FreePort();
    private readonly int _metricsPort = ProcessLauncher.FreePort();
    private Dictionary<string, string> _deployed = null!;

    protected override async Task StartAsync()
    {
        var nats = Track(await StandaloneNats.StartAsync());
        await nats.ProvisionAsync();
        _deployed = DeployedLiterals("gateway");
        var gateway = PipelineServices.Gateway;
        var settings = _deployed
            // How it checks tokens, exactly; its NATS, ports and collector are the test's.
            .Where(variable => variable.Key.StartsWith("AUTH_", StringComparison.Ordinal) || variable.Key.StartsWith("Authentication__", StringComparison.Ordinal))
            .Select(variable => (variable.Key, variable.Value))
            .Append(($"ConnectionStrings__{ApiTokens.SigningKeyConnectionName}", _signingKey))
            .Append((ListenAddressExtensions.MetricsPortVariable, _metricsPort.ToString(CultureInfo.InvariantCulture)));
        var process = Track(ProcessLauncher.Service(gateway, "gateway",
            ProcessLauncher.ServiceEnvironment(gateway, nats.UrlFor(gateway.Identity), $"127.0.0.1:{_port}", settings),
            Path.Combine(WorkDirectory, "gateway.log")));
        process.Start();
        await ProcessLauncher.WaitHealthyAsync(_port, Deadline);
    }

    [Fact]
    public async Task The_deployed_gateway_asks_for_a_token_and_takes_the_one_the_mint_script_gives()
    {
        Assert.Equal("true", _deployed[ApiTokens.EnabledVariable]);

        using (var anonymous = await SubmitAsync(token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var minted = await SubmitAsync(await MintAsync("client-a", ApiScopes.TasksWrite, _signingKey)))
        {
            Assert.Equal(HttpStatusCode.Accepted, minted.StatusCode);
        }

        // The query API's token is not the gateway's, nor is one signed with another key.
        using (var forQueries = await SubmitAsync(await MintAsync("client-a", ApiScopes.ResultsRead, _signingKey)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forQueries.StatusCode);
        }

        using var otherKey = await SubmitAsync(await MintAsync("client-a", ApiScopes.TasksWrite, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48))));
        Assert.Equal(HttpStatusCode.Unauthorized, otherKey.StatusCode);
    }

    /// <summary>The variables the rendered tree gives a Deployment's container as plain values (not from Secrets).</summary>
    private static Dictionary<string, string> DeployedLiterals(string deployment)
    {
        var workload = KubernetesTree.Render("k8s").Single(d => d["kind"].ToString() == "Deployment" && d["metadata"]["name"].ToString() == deployment);
        var container = (YamlMappingNode)((YamlSequenceNode)workload["spec"]["template"]["spec"]["containers"]).Children[0];
        return ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>()
            .Where(variable => variable.Children.ContainsKey("value"))
            .ToDictionary(variable => variable["name"].ToString(), variable => variable["value"].ToString());
    }

    private static async Task<string> MintAsync(string client, string scope, string key)
    {
        var script = Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "mint-token.sh");
        var start = new ProcessStartInfo("bash", [script, client, scope]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["SIGNING_KEY"] = key;
        using var process = Process.Start(start)!;
        var token = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        return token.Trim();
    }

    private async Task<HttpResponseMessage> SubmitAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
        {
            Content = new StringContent("""{"task_type":"deployed","data":1}""", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
        return await client.SendAsync(request);
    }
}
