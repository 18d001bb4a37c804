using Distributed.Experiments;
using Distributed.Contracts;
using Distributed.Messaging;
using Distributed.Enricher;
using Distributed.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(ServiceAddress.Enricher);
builder.AddMessaging(NatsIdentities.Enricher);
builder.Services.AddSettings<EnricherOptions>(builder.Configuration);
builder.AddControl<EnricherFaults, FaultInjection>(ControlSubjects.EnricherFaults);
builder.Services.AddHostedService<EnrichmentService>();

var app = builder.Build();

app.UseRequestMetrics();
app.MapDefaultEndpoints();

app.Run();
