using Distributed.Contracts;

namespace Distributed.AppHost.Infrastructure;

public static class ApiAuthenticationExtensions
{
    private const string SigningKeyParameter = "api-signing-key";
    private const string Bearer = "Authentication__Schemes__Bearer__";

    /// <summary>
    /// How an HTTP API validates its clients' tokens. Run, as the developer configured it: the
    /// AppHost's <c>Authentication</c> section (or the project's own user-jwts secrets) and
    /// <c>AUTH_ENABLED</c>, off by default. Published, always on: the deployment's issuer, this API's
    /// audience, and a generated signing key that reaches the service as a connection string, the
    /// kind deployment tools keep in a Secret.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithApiAuthentication(
        this IResourceBuilder<ProjectResource> api, IDistributedApplicationBuilder builder, string audience)
    {
        api.WithPassedThroughSection(builder.Configuration, ServiceVariables.AuthenticationSection);
        if (!builder.ExecutionContext.IsPublishMode)
        {
            return api;
        }

        var signingKey = builder.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == SigningKeyParameter) is { } existing
            ? builder.CreateResourceBuilder(existing)
            // 64 characters of [A-Za-z0-9] are base64 for a 48-byte HMAC key.
            : builder.AddParameter(SigningKeyParameter, new GenerateParameterDefault { MinLength = 64, Special = false }, secret: true, persist: true);
        return api
            .WithEnvironment(ApiTokens.EnabledVariable, "true")
            .WithEnvironment(Bearer + "ValidIssuer", ApiTokens.Issuer)
            .WithEnvironment(Bearer + "ValidAudiences__0", audience)
            .WithEnvironment($"ConnectionStrings__{ApiTokens.SigningKeyConnectionName}", signingKey);
    }
}
