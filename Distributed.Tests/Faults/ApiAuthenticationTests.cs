using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Distributed.AppHost.Infrastructure;
using Distributed.ServiceDefaults.Http;
using Distributed.Tests.Integration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Distributed.Tests.Faults;

/// <summary>
/// The gateway and the query API with authentication on, configured as <c>dotnet user-jwts</c>
/// configures a project (an issuer, an audience, a symmetric signing key under
/// <c>Authentication:Schemes:Bearer</c>), and tokens minted as it mints them: only a valid token with
/// the <c>tasks:write</c> scope may submit, only one with <c>results:read</c> may query.
/// </summary>
public sealed class ApiAuthenticationTests() : StartedProcesses("distributed-auth")
{
    private const string Issuer = "dotnet-user-jwts";
    private const string Audience = "distributed-gateway";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly int _port = ProcessLauncher.FreePort();
    private readonly int _aggregatorPort = ProcessLauncher.FreePort();
    private StandaloneNats _nats = null!;
    private ManagedProcess _gateway = null!;
    private ManagedProcess _aggregator = null!;

    protected override async Task StartAsync()
    {
        _nats = Track(await StandaloneNats.StartAsync());
        await _nats.ProvisionAsync();
        (string, string)[] bearer =
        [
            (ApiAuthentication.EnabledVariable, "true"),
            ("Authentication__Schemes__Bearer__ValidIssuer", Issuer),
            ("Authentication__Schemes__Bearer__ValidAudiences__0", Audience),
            ("Authentication__Schemes__Bearer__SigningKeys__0__Issuer", Issuer),
            ("Authentication__Schemes__Bearer__SigningKeys__0__Value", Convert.ToBase64String(_signingKey)),
        ];
        var gateway = PipelineServices.Gateway;
        _gateway = Track(ProcessLauncher.Service(gateway, "gateway",
            ProcessLauncher.ServiceEnvironment(gateway, _nats.UrlFor(gateway.Identity), $"127.0.0.1:{_port}", bearer),
            Path.Combine(WorkDirectory, "gateway.log")));
        _gateway.Start();
        // No PostgreSQL behind it: a query that passes authentication meets a 503, one that does not never gets that far.
        var aggregator = PipelineServices.Aggregator;
        _aggregator = Track(ProcessLauncher.Service(aggregator, "aggregator",
            ProcessLauncher.ServiceEnvironment(aggregator, _nats.UrlFor(aggregator.Identity), $"127.0.0.1:{_aggregatorPort}",
                [.. bearer, ("DATABASE_URL", $"postgres://nobody:nothing@127.0.0.1:{ProcessLauncher.FreePort()}/aggregator")]),
            Path.Combine(WorkDirectory, "aggregator.log")));
        _aggregator.Start();
        // Health stays open: probes carry no token.
        await ProcessLauncher.WaitHealthyAsync(_port, Deadline);
        using var probe = new HttpClient();
        await Eventually.MatchAsync(async () => (await probe.GetAsync(new Uri($"http://127.0.0.1:{_aggregatorPort}/alive"))).StatusCode,
            status => status == HttpStatusCode.OK, Deadline, "the aggregator alive");
    }

    [Fact]
    public async Task Without_a_token_a_submission_is_401_problem_with_www_authenticate()
    {
        using var response = await SubmitAsync(token: null);
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_401()
    {
        using var response = await SubmitAsync(Token(RandomNumberGenerator.GetBytes(32), ApiScopes.TasksWrite));
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_without_the_tasks_write_scope_is_403()
    {
        using var response = await SubmitAsync(Token(_signingKey, ApiScopes.ResultsRead));
        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_with_the_tasks_write_scope_submits()
    {
        using var response = await SubmitAsync(Token(_signingKey, ApiScopes.TasksWrite));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("/results")]
    [InlineData("/results/00000000-0000-0000-0000-000000000001")]
    [InlineData("/stats")]
    public async Task The_query_api_answers_only_a_token_with_results_read(string path)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_aggregatorPort}") };
        async Task<HttpResponseMessage> GetAsync(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return await client.SendAsync(request);
        }

        using (var anonymous = await GetAsync(null))
        {
            await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        }

        using (var writer = await GetAsync(Token(_signingKey, ApiScopes.TasksWrite)))
        {
            await AssertProblemAsync(writer, HttpStatusCode.Forbidden);
        }

        // Admitted: what answers now is the query API itself (here, that its database is away).
        using var reader = await GetAsync(Token(_signingKey, ApiScopes.ResultsRead));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, reader.StatusCode);
    }

    private static string Token(byte[] key, string scope) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        Expires = DateTime.UtcNow.AddMinutes(10),
        Claims = new Dictionary<string, object> { ["sub"] = "client-a", ["scope"] = scope },
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
    });

    private async Task<HttpResponseMessage> SubmitAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
        {
            Content = new StringContent("""{"task_type":"auth","data":1}""", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
        return await client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":" + (int)status, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
