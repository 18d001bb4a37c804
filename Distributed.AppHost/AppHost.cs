using Distributed.AppHost.Experiments;
using Distributed.Contracts;
using Distributed.AppHost.Infrastructure;
using Distributed.Messaging;

var builder = DistributedApplication.CreateBuilder(args);

var settings = AppHostSettings.From(builder.Configuration, builder.AppHostDirectory, builder.ExecutionContext.IsPublishMode);
var nats = builder.AddNatsServer("nats", settings);
var database = builder.AddResultsDatabase("postgres", "aggregator", settings);
// The collector is a development aid (its config is a bind mount); a published model leaves it out.
var collector = settings.Mode == InfrastructureMode.Containers && settings.Jaeger && !builder.ExecutionContext.IsPublishMode
    ? builder.AddJaegerThroughCollector(settings)
    : null;

var enricher = builder.AddPipelineService<Projects.Distributed_Enricher>("enricher", settings.EnricherPort, "METRICS_ADDR", ServiceVariables.Enricher, nats, NatsIdentities.Enricher, settings.Experiments, collector)
    .WithReplicas(settings.EnricherReplicas);

var processor = builder.AddPipelineService<Projects.Distributed_Processor>("processor", settings.ProcessorPort, "METRICS_ADDR", ServiceVariables.Processor, nats, NatsIdentities.Processor, settings.Experiments, collector)
    .WithReplicas(settings.ProcessorReplicas)
    .WaitFor(enricher)
    .WithDeadLetterCommands(DeadLetterStages.Processor);

// Only connection strings, one per database role: the split-out properties would carry the passwords in plain variables.
var aggregator = builder.AddPipelineService<Projects.Distributed_Aggregator>("aggregator", settings.AggregatorPort, "AGGREGATOR_ADDR", ServiceVariables.Aggregator, nats, NatsIdentities.Aggregator, settings.Experiments, collector)
    .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString)
    .WithResultsDatabase(database)
    .WithReplicas(settings.AggregatorReplicas)
    .WithPipelineCommand()
    .WithDeadLetterCommands(DeadLetterStages.Aggregator);

var gateway = builder.AddPipelineService<Projects.Distributed_Gateway>("gateway", settings.GatewayPort, "GATEWAY_ADDR", ServiceVariables.Gateway, nats, NatsIdentities.Gateway, settings.Experiments, collector);
builder.AddExperiments(nats);

// Experiments are opt-in: a development run has them, a published model never does.
if (settings.Experiments)
{
    enricher.WithFaultCommands(settings.EnricherReplicas);
    processor.WithProcessorCommands(settings.ProcessorReplicas);
    gateway.WithLoadCommands(aggregator);
}

var prometheus = builder.AddPrometheus("prometheus", settings, "gateway", "processor", "enricher", "aggregator");
if (settings.Mode == InfrastructureMode.Containers)
{
    builder.AddGrafana(settings, prometheus);
}

builder.Build().Run();
