using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scalar.AspNetCore;

namespace Distributed.ServiceDefaults.Http;

/// <summary>
/// An HTTP API that describes itself: ASP.NET Core's own OpenAPI document at
/// <c>/openapi/v1.json</c>, built from the endpoints the service maps and the status codes they
/// declare, in every environment; Scalar's reference UI on it at <c>/scalar</c> in Development.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder, string title, string description)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = title;
            document.Info.Description = description;
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        return app;
    }
}
