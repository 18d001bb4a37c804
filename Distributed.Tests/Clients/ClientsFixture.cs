using System.Net.Http.Headers;
using System.Security.Cryptography;
using Distributed.Contracts;
using Distributed.ServiceDefaults.Http;
using Distributed.Tests.Integration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Distributed.Tests.Clients;

/// <summary>
/// The AppHost's topology with authentication on, configured as <c>dotnet user-jwts</c> configures
/// a project (an issuer, the two APIs' audiences, a symmetric signing key under
/// <c>Authentication:Schemes:Bearer</c>), given once to the AppHost, which hands it to both APIs;
/// and a per-client limit low enough for a test to pass it.
/// </summary>
public sealed class ClientsFixture : AppHostFixture
{
    public const string Issuer = "dotnet-user-jwts";
    public const string GatewayAudience = ApiTokens.GatewayAudience;
    public const string QueryAudience = ApiTokens.QueryAudience;
    public const int TasksPerSecond = 5;
    public const int TaskBurst = 10;

    public byte[] SigningKey { get; } = RandomNumberGenerator.GetBytes(32);

    protected override IEnumerable<string> Settings =>
    [
        "NATS_PORT=17222",
        "NATS_MONITOR_PORT=17822",
        "POSTGRES_PORT=17432",
        "GATEWAY_ADDR=127.0.0.1:17000",
        "AGGREGATOR_ADDR=127.0.0.1:17001",
        "PROCESSOR_METRICS_PORT=17091",
        "ENRICHER_METRICS_PORT=17090",
        "PROMETHEUS_PORT=17092",
        "PROCESSOR_REPLICAS=1",
        "PROCESSING_DELAY_MS=1",
        "ENRICH_DELAY_MS=1",
        $"{ApiAuthentication.EnabledVariable}=true",
        $"GATEWAY_CLIENT_TASKS_PER_SECOND={TasksPerSecond}",
        $"GATEWAY_CLIENT_TASK_BURST={TaskBurst}",
        $"Authentication:Schemes:Bearer:ValidIssuer={Issuer}",
        $"Authentication:Schemes:Bearer:ValidAudiences:0={GatewayAudience}",
        $"Authentication:Schemes:Bearer:ValidAudiences:1={QueryAudience}",
        $"Authentication:Schemes:Bearer:SigningKeys:0:Issuer={Issuer}",
        $"Authentication:Schemes:Bearer:SigningKeys:0:Value={Convert.ToBase64String(SigningKey)}",
    ];

    protected override IEnumerable<string> WaitedFor => ["gateway", "aggregator", "enricher", "processor"];

    /// <summary>A token as <c>dotnet user-jwts create --name client --scope scope</c> mints one; <paramref name="client"/> null leaves the subject out.</summary>
    public string Token(string? client, string scope, byte[]? key = null)
    {
        var claims = new Dictionary<string, object> { [ApiAuthentication.ScopeClaim] = scope };
        if (client is not null)
        {
            claims["sub"] = client;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = scope == ApiScopes.ResultsRead ? QueryAudience : GatewayAudience,
            Expires = DateTime.UtcNow.AddMinutes(30),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The gateway and the query API as one client sees them: each with its own token.</summary>
    public ClientSession ClientFor(string client) => new(
        WithToken(Gateway.BaseAddress!, Token(client, ApiScopes.TasksWrite)),
        WithToken(Aggregator.BaseAddress!, Token(client, ApiScopes.ResultsRead)));

    private static HttpClient WithToken(Uri address, string token)
    {
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}

public sealed record ClientSession(HttpClient Gateway, HttpClient Query) : IDisposable
{
    public void Dispose()
    {
        Gateway.Dispose();
        Query.Dispose();
    }
}
