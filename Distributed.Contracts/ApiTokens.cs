namespace Distributed.Contracts;

/// <summary>
/// The bearer tokens the two HTTP APIs accept where they are deployed (deploy/k8s, the AppHost's
/// published manifest): who issues them, for which API, signed with which key, and what they may do.
/// deploy/k8s/mint-token.sh mints them; under <c>dotnet user-jwts</c> the issuer is its own.
/// </summary>
public static class ApiTokens
{
    /// <summary><c>true</c> makes both APIs require a token (off by default, as under ./scripts/dev.sh).</summary>
    public const string EnabledVariable = "AUTH_ENABLED";

    public const string Issuer = "distributed";

    public const string GatewayAudience = "distributed-gateway";

    public const string QueryAudience = "distributed-query";

    /// <summary>
    /// A symmetric signing key (base64) given as a connection string, for the deployments whose
    /// tooling turns only connection strings into Secrets: tokens signed with it are valid for the
    /// configured issuer, beside any <c>Authentication:Schemes:Bearer:SigningKeys</c>.
    /// </summary>
    public const string SigningKeyConnectionName = "api_signing_key";
}
