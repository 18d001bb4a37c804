using Distributed.Experiments;
using Distributed.Messaging;
using Distributed.Contracts;
using Distributed.Processor;
using Distributed.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(ServiceAddress.Processor);
builder.AddMessaging(NatsIdentities.Processor);
builder.Services.AddSettings<ProcessorOptions>(builder.Configuration);
builder.Services.AddSingleton<EnrichmentClient>();
builder.Services.AddSingleton<TaskHandler>();
builder.AddControl<ProcessorIntake, IntakeSwitch>(ControlSubjects.ProcessorIntake);
builder.Services.AddHostedService<TaskConsumer>();
builder.Services.AddConsumerBacklogMetrics(JetStreamNames.TasksStream, JetStreamNames.ProcessorsConsumer);

var app = builder.Build();

app.UseRequestMetrics();
app.MapDefaultEndpoints();

app.Run();
