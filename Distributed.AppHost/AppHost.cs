using Distributed.AppHost.Experiments;
using Distributed.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

var settings = AppHostSettings.From(builder.Configuration, builder.AppHostDirectory);
var nats = builder.AddNatsServer("nats", settings);
var database = builder.AddResultsDatabase("postgres", "aggregator", settings);
// The collector is a development aid (its config is a bind mount); a published model leaves it out.
var collector = settings.Mode == InfrastructureMode.Containers && settings.Jaeger && !builder.ExecutionContext.IsPublishMode
    ? builder.AddJaegerThroughCollector(settings)
    : null;

var enricher = builder.AddPipelineService<Projects.Distributed_Enricher>("enricher", settings.EnricherPort, "METRICS_ADDR", ServiceVariables.Enricher, nats, collector)
    .WithReplicas(settings.EnricherReplicas)
    .WithFaultCommands(settings.EnricherReplicas);

builder.AddPipelineService<Projects.Distributed_Processor>("processor", settings.ProcessorPort, "METRICS_ADDR", ServiceVariables.Processor, nats, collector)
    .WithReplicas(settings.ProcessorReplicas)
    .WaitFor(enricher)
    .WithProcessorCommands(settings.ProcessorReplicas);

// Only the connection string: the split-out properties would carry the password in plain variables.
var aggregator = builder.AddPipelineService<Projects.Distributed_Aggregator>("aggregator", settings.AggregatorPort, "AGGREGATOR_ADDR", ServiceVariables.Aggregator, nats, collector)
    .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString)
    .WithReference(database, "aggregator").WaitFor(database)
    .WithReplicas(settings.AggregatorReplicas)
    .WithPipelineCommand();

builder.AddPipelineService<Projects.Distributed_Gateway>("gateway", settings.GatewayPort, "GATEWAY_ADDR", ServiceVariables.Gateway, nats, collector)
    .WithLoadCommands(aggregator);
builder.AddExperiments(nats);

var prometheus = builder.AddPrometheus("prometheus", settings, "gateway", "processor", "enricher", "aggregator");
if (settings.Mode == InfrastructureMode.Containers)
{
    builder.AddGrafana(settings, prometheus);
}

builder.Build().Run();
