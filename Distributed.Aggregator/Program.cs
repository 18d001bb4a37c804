using Distributed.Messaging;
using Distributed.Aggregator.Api;
using Distributed.Aggregator.Data;
using Distributed.Aggregator.Ingestion;
using Distributed.Contracts;
using Distributed.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(ServiceAddress.Aggregator);
builder.AddMessaging(NatsIdentities.Aggregator);
builder.AddResultsDatabase();
builder.Services.AddSettings<IngestionOptions>(builder.Configuration);
builder.Services.AddSingleton<ResultWriter>();
builder.Services.AddSingleton(provider => new ResultBatchStore(provider.GetRequiredService<ResultWriter>().WriteAsync));
builder.Services.AddSingleton<ResultHandler>();
builder.Services.AddHostedService<ResultConsumer>();
builder.Services.AddConsumerBacklogMetrics(JetStreamNames.ResultsStream, JetStreamNames.AggregatorConsumer);
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
builder.AddApiAuthentication(ApiScopes.ResultsRead);
builder.AddApiDocumentation("Distributed query API", "The stored results of the pipeline (docs/contract.md).");

var app = builder.Build();

app.UseRequestMetrics();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiAuthentication();
app.MapResultEndpoints();
app.MapApiDocumentation();
app.MapDefaultEndpoints();

app.Run();
