using Distributed.Gateway;
using Distributed.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(ServiceAddress.Gateway);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ApplyRequestLimits());
builder.Services.AddProblemDetails();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<TaskPublisher>();

var app = builder.Build();

app.UseRequestMetrics();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapTaskEndpoints();
app.MapDefaultEndpoints();

app.Run();
