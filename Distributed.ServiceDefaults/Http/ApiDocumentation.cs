using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scalar.AspNetCore;

namespace Distributed.ServiceDefaults.Http;

/// <summary>
/// An HTTP API that describes itself: ASP.NET Core's own OpenAPI document at
/// <c>/openapi/v1.json</c>, built from the endpoints the service maps and the status codes they
/// declare, in every environment; Scalar's reference UI on it at <c>/scalar</c> in Development.
/// With authentication on, the document carries the bearer scheme and, on each operation, the
/// scope its policy asks for; Scalar then takes a token and sends it.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentPath = "/openapi/v1.json";

    public const string BearerScheme = "Bearer";

    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder, string title, string description)
    {
        var authenticated = ApiAuthentication.IsEnabled(builder.Configuration);
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Description = description;
                if (authenticated)
                {
                    document.Components ??= new OpenApiComponents();
                    document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                    document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        BearerFormat = "JWT",
                        Description = $"A JWT whose '{ApiAuthentication.ScopeClaim}' claim holds the operation's scope; its client claim names whose tasks it sends and reads.",
                    };
                }

                return Task.CompletedTask;
            });
            if (authenticated)
            {
                options.AddOperationTransformer((operation, context, _) =>
                {
                    // Each policy is named after the scope it asks for (ApiAuthentication).
                    var scopes = context.Description.ActionDescriptor.EndpointMetadata
                        .OfType<IAuthorizeData>().Select(data => data.Policy).OfType<string>().Distinct().ToList();
                    if (scopes.Count > 0)
                    {
                        operation.Security ??= [];
                        operation.Security.Add(new OpenApiSecurityRequirement
                        {
                            [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = scopes,
                        });
                        operation.Responses ??= [];
                        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No bearer token, or one that is not valid (problem+json, WWW-Authenticate)." });
                        operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The token lacks the scope, or names no client (problem+json, WWW-Authenticate)." });
                    }

                    return Task.CompletedTask;
                });
            }
        });
        return builder;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference(scalar => scalar.AddPreferredSecuritySchemes(BearerScheme));
        }

        return app;
    }
}
