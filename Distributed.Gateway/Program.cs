using Distributed.Messaging;
using Distributed.Gateway;
using Distributed.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(ServiceAddress.Gateway);
builder.AddMessaging(NatsIdentities.Gateway);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ApplyRequestLimits());
builder.Services.AddProblemDetails();
builder.Services.AddSettings<GatewayOptions>(builder.Configuration);
builder.Services.AddSingleton<TaskPublisher>();
builder.Services.AddSingleton<IdempotencyStore>();
builder.Services.AddSingleton<SubmissionSlots>();
builder.Services.AddClientRateLimit();
builder.AddApiAuthentication(ApiScopes.TasksWrite);
builder.AddApiDocumentation("Distributed gateway", "Accepts tasks for the pipeline (docs/contract.md).");

var app = builder.Build();

app.UseRequestMetrics();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiAuthentication();
app.UseRateLimiter();
app.MapTaskEndpoints();
app.MapApiDocumentation();
app.MapDefaultEndpoints();

app.Run();
