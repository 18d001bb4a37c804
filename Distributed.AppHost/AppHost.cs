using Distributed.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

var settings = TopologySettings.From(builder.Configuration, builder.AppHostDirectory);
var nats = builder.AddNatsServer("nats", settings);
var database = builder.AddResultsDatabase("postgres", "aggregator", settings);
var collector = settings.Mode == InfrastructureMode.Containers && settings.Jaeger
    ? builder.AddJaegerThroughCollector(settings)
    : null;

var enricher = builder.AddProject<Projects.Distributed_Enricher>("enricher")
    .WithHttpEndpoint(port: settings.EnricherPort, name: "http")
    .WithAspireListenAddress("METRICS_ADDR")
    .WithReference(nats).WaitFor(nats)
    .WithSpecEnvironment(builder.Configuration, "ENRICH_DELAY_MS", "ENRICHER_CONCURRENCY", "STREAM_MAX_MSGS", "STREAM_MAX_BYTES")
    .WithTraceSampling(builder.Configuration)
    .WithCollector(collector)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Distributed_Processor>("processor")
    .WithHttpEndpoint(port: settings.ProcessorPort, name: "http")
    .WithAspireListenAddress("METRICS_ADDR")
    .WithReplicas(settings.ProcessorReplicas)
    .WithReference(nats).WaitFor(nats)
    .WaitFor(enricher)
    .WithSpecEnvironment(builder.Configuration, "PROCESSING_DELAY_MS", "ENRICH_TIMEOUT_MS", "PROCESSOR_CONCURRENCY", "ENRICH_MAX_ATTEMPTS", "ENRICH_RETRY_DELAY_MS", "MAX_DELIVERIES", "STREAM_MAX_MSGS", "STREAM_MAX_BYTES")
    .WithTraceSampling(builder.Configuration)
    .WithCollector(collector)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Distributed_Aggregator>("aggregator")
    .WithHttpEndpoint(port: settings.AggregatorPort, name: "http")
    .WithAspireListenAddress("AGGREGATOR_ADDR")
    .WithReference(nats).WaitFor(nats)
    .WithReference(database, "aggregator").WaitFor(database)
    .WithSpecEnvironment(builder.Configuration, "AGGREGATOR_BATCH_SIZE", "AGGREGATOR_FLUSH_MS", "MAX_DELIVERIES", "STREAM_MAX_MSGS", "STREAM_MAX_BYTES")
    .WithTraceSampling(builder.Configuration)
    .WithCollector(collector)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Distributed_Gateway>("gateway")
    .WithHttpEndpoint(port: settings.GatewayPort, name: "http")
    .WithAspireListenAddress("GATEWAY_ADDR")
    .WithReference(nats).WaitFor(nats)
    .WithSpecEnvironment(builder.Configuration, "IDEMPOTENCY_WINDOW_SECONDS", "STREAM_MAX_MSGS", "STREAM_MAX_BYTES")
    .WithTraceSampling(builder.Configuration)
    .WithCollector(collector)
    .WithHttpHealthCheck("/health");

var prometheus = builder.AddPrometheus("prometheus", settings, "gateway", "processor", "enricher", "aggregator");
if (settings.Mode == InfrastructureMode.Containers)
{
    builder.AddGrafana(settings, prometheus);
}

builder.Build().Run();
