namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// What only runs with a container runtime: Grafana with the provisioned dashboard, and Jaeger
/// behind an OpenTelemetry Collector that also forwards to the Aspire dashboard.
/// </summary>
public static class ObservabilityContainersExtensions
{
    public static void AddGrafana(this IDistributedApplicationBuilder builder, AppHostSettings settings, IResourceBuilder<IResourceWithEndpoints> prometheus)
    {
        var deploy = Path.Combine(settings.RepositoryRoot, "deploy", "grafana");
        var password = builder.AddParameter("grafana-password",
            new GenerateParameterDefault { MinLength = 16, Special = false }, secret: true, persist: true);

        var grafana = builder.AddContainer("grafana", "grafana/grafana", "11.1.0")
            .WithHttpEndpoint(port: settings.GrafanaPort, targetPort: 3000, name: "http")
            .WaitFor(prometheus);
        if (builder.ExecutionContext.IsPublishMode)
        {
            // Provisioning and dashboard inside the image built from deploy/grafana; the admin
            // password as a connection-string variable, which deployment tools keep in a Secret.
            grafana.WithDockerfile(deploy).WithEnvironment("ConnectionStrings__grafana", password);
            return;
        }

        grafana
            .WithBindMount(Path.Combine(deploy, "provisioning"), "/etc/grafana/provisioning", isReadOnly: true)
            .WithBindMount(Path.Combine(deploy, "dashboards"), "/var/lib/grafana/dashboards", isReadOnly: true)
            .WithEnvironment("GF_SECURITY_ADMIN_PASSWORD", password)
            .WithEnvironment("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", "/var/lib/grafana/dashboards/distributed.json");
    }

    /// <summary>Jaeger and a collector; returns the collector, whose OTLP endpoint the services then use.</summary>
    public static IResourceBuilder<ContainerResource> AddJaegerThroughCollector(this IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        var jaeger = builder.AddContainer("jaeger", "jaegertracing/all-in-one", "1.60")
            .WithEnvironment("COLLECTOR_OTLP_ENABLED", "true")
            .WithHttpEndpoint(port: 16686, targetPort: 16686, name: "http")
            .WithEndpoint(targetPort: 4317, name: "otlp", scheme: "http");

        return builder.AddContainer("otel-collector", "otel/opentelemetry-collector-contrib", "0.105.0")
            .WithBindMount(Path.Combine(settings.RepositoryRoot, "deploy", "otel-collector", "config.yaml"), "/etc/otelcol-contrib/config.yaml", isReadOnly: true)
            .WithEnvironment("JAEGER_OTLP_ENDPOINT", "jaeger:4317")
            .WithEnvironment(context =>
            {
                // The dashboard's OTLP endpoint and key, as the AppHost gives them to every resource.
                var endpoint = builder.Configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] ?? "http://localhost:18889";
                context.EnvironmentVariables["ASPIRE_OTLP_ENDPOINT"] = endpoint.Replace("localhost", "host.docker.internal", StringComparison.Ordinal);
                context.EnvironmentVariables["ASPIRE_OTLP_API_KEY"] = builder.Configuration["AppHost:OtlpApiKey"] ?? string.Empty;
            })
            .WithEndpoint(port: 4317, targetPort: 4317, name: "otlp", scheme: "http")
            .WaitFor(jaeger);
    }

    /// <summary>Sends a service's telemetry to the collector instead of straight to the dashboard.</summary>
    public static IResourceBuilder<ProjectResource> WithCollector(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ContainerResource>? collector) =>
        collector is null
            ? project
            : project.WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", collector.GetEndpoint("otlp")).WaitFor(collector);
}
