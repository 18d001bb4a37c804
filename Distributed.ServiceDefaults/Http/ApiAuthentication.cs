using System.Security.Claims;
using Distributed.Contracts;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Distributed.ServiceDefaults.Http;

/// <summary>The scopes a client's token carries for what it may do.</summary>
public static class ApiScopes
{
    public const string TasksWrite = "tasks:write";

    public const string ResultsRead = "results:read";
}

/// <summary>
/// Who may call an HTTP API, with ASP.NET Core's own parts: where it is deployed
/// (<c>AUTH_ENABLED=true</c>) a JWT bearer token, validated as the standard
/// <c>Authentication:Schemes:Bearer</c> configuration says (issuer, audiences, signing keys or an
/// OIDC authority: what <c>dotnet user-jwts</c> writes), and a policy per scope. A missing or bad
/// token is a 401, a token without the scope a 403, both problem+json with <c>WWW-Authenticate</c>.
/// Off (the default, as under <c>./scripts/dev.sh</c>), every policy admits everyone, so the same
/// endpoints serve as they did without clients.
/// </summary>
public static class ApiAuthentication
{
    public const string EnabledVariable = ApiTokens.EnabledVariable;

    /// <summary>The token claim that names the client a task belongs to; OpenID Connect's subject unless set.</summary>
    public const string ClientClaimVariable = "AUTH_CLIENT_CLAIM";

    public const string DefaultClientClaim = "sub";


    /// <summary>The claim a scope travels in: one claim per scope, or one space-separated list (RFC 8693).</summary>
    public const string ScopeClaim = "scope";

    public static bool IsEnabled(IConfiguration configuration) => bool.TryParse(configuration[EnabledVariable], out var enabled) && enabled;

    /// <summary>A policy named after each scope, and with authentication on, the bearer scheme that checks it.</summary>
    public static IHostApplicationBuilder AddApiAuthentication(this IHostApplicationBuilder builder, params string[] scopes)
    {
        var enabled = IsEnabled(builder.Configuration);
        var clients = new ApiClients(enabled, builder.Configuration[ClientClaimVariable] is { Length: > 0 } claim ? claim : DefaultClientClaim);
        builder.Services.AddSingleton(clients);
        var authorization = builder.Services.AddAuthorizationBuilder();
        foreach (var scope in scopes)
        {
            authorization.AddPolicy(scope, policy =>
            {
                if (enabled)
                {
                    policy.RequireAuthenticatedUser().RequireAssertion(context => HasScope(context.User, scope) && clients.HasClient(context.User));
                }
                else
                {
                    policy.RequireAssertion(_ => true);
                }
            });
        }

        if (enabled)
        {
            var signingKey = builder.Configuration.GetConnectionString(ApiTokens.SigningKeyConnectionName);
            if (signingKey is { Length: > 0 })
            {
                // After the configuration's own binding, which replaces the validation parameters whole.
                builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
                    options.TokenValidationParameters.IssuerSigningKeys =
                        [.. options.TokenValidationParameters.IssuerSigningKeys ?? [], new SymmetricSecurityKey(Convert.FromBase64String(signingKey))]);
            }

            builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
            {

                // Claims by the names the token gives them: "scope", "sub".
                options.MapInboundClaims = false;
                options.Events = new JwtBearerEvents
                {
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.Headers.WWWAuthenticate = context.Error is null
                            ? "Bearer"
                            : $"Bearer error=\"{context.Error}\"";
                        await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                                detail: context.Error is null
                                    ? "Send a bearer token (Authorization: Bearer <JWT>)."
                                    : $"The bearer token was refused ({context.ErrorDescription ?? context.Error}).")
                            .ExecuteAsync(context.HttpContext);
                    },
                    OnForbidden = async context =>
                    {
                        context.Response.Headers.WWWAuthenticate = "Bearer error=\"insufficient_scope\"";
                        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                                detail: $"The bearer token does not carry the scope this operation needs, or no client in its '{clients.Claim}' claim (1-{ClientIdRule.MaxLength} printable ASCII characters).")
                            .ExecuteAsync(context.HttpContext);
                    },
                };
            });
        }

        return builder;
    }

    /// <summary>Authentication and authorization in the pipeline; with authentication off, only the (admitting) policies.</summary>
    public static WebApplication UseApiAuthentication(this WebApplication app)
    {
        if (IsEnabled(app.Configuration))
        {
            app.UseAuthentication();
        }

        app.UseAuthorization();
        return app;
    }

    private static bool HasScope(ClaimsPrincipal user, string scope) =>
        user.FindAll(ScopeClaim).Any(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(scope, StringComparer.Ordinal));
}
