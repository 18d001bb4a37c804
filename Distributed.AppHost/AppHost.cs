using Distributed.AppHost.Experiments;
using Distributed.Contracts;
using Distributed.AppHost.Infrastructure;
using Distributed.Messaging;

var builder = DistributedApplication.CreateBuilder(args);

var settings = AppHostSettings.From(builder.Configuration, builder.AppHostDirectory, builder.ExecutionContext.IsPublishMode);
var nats = builder.AddNatsServer("nats", settings);
var database = builder.AddResultsDatabase("postgres", "aggregator", settings);
var provisioning = builder.AddTopologyOwner(nats, database);
// The collector is a development aid (its config is a bind mount); a published model leaves it out.
var collector = settings.Mode == InfrastructureMode.Containers && settings.Jaeger && !builder.ExecutionContext.IsPublishMode
    ? builder.AddJaegerThroughCollector(settings)
    : null;

var enricher = builder.AddPipelineService<Projects.Distributed_Enricher>(PipelineServices.Enricher, settings.EnricherPort, nats, provisioning, settings.Experiments, collector)
    .WithReplicas(settings.EnricherReplicas);

var processor = builder.AddPipelineService<Projects.Distributed_Processor>(PipelineServices.Processor, settings.ProcessorPort, nats, provisioning, settings.Experiments, collector)
    .WithReplicas(settings.ProcessorReplicas)
    .WaitFor(enricher)
    .WithDeadLetterCommands(DeadLetterStages.Processor);

// Only connection strings, one per database role: the split-out properties would carry the passwords in plain variables.
var aggregator = builder.AddPipelineService<Projects.Distributed_Aggregator>(PipelineServices.Aggregator, settings.AggregatorPort, nats, provisioning, settings.Experiments, collector)
    .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString)
    .WithResultsDatabase(database)
    .WithReplicas(settings.AggregatorReplicas)
    .WithPipelineCommand()
    .WithDeadLetterCommands(DeadLetterStages.Aggregator)
    .WithApiAuthentication(builder, ApiTokens.QueryAudience);

var gateway = builder.AddPipelineService<Projects.Distributed_Gateway>(PipelineServices.Gateway, settings.GatewayPort, nats, provisioning, settings.Experiments, collector)
    .WithApiAuthentication(builder, ApiTokens.GatewayAudience);
builder.AddExperiments(nats);

// Experiments are opt-in: a development run has them, a published model never does.
if (settings.Experiments)
{
    enricher.WithFaultCommands(settings.EnricherReplicas);
    processor.WithProcessorCommands(settings.ProcessorReplicas);
    gateway.WithLoadCommands(aggregator);
}

var prometheus = builder.AddPrometheus("prometheus", settings, [.. PipelineServices.All.Select(service => service.Name)]);
if (settings.Mode == InfrastructureMode.Containers)
{
    builder.AddGrafana(settings, prometheus);
}

builder.Build().Run();
