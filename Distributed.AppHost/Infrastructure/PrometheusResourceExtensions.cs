using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// Prometheus on host port 9092 (the original's), scraping every service replica. Its targets
/// come from the AppHost's model at run time (see <see cref="PrometheusTargetsWriter"/>), so a
/// new replica is scraped without anyone editing a file.
/// </summary>
public static class PrometheusResourceExtensions
{
    public const string TargetsFileName = "targets.json";

    /// <summary>The alerting rules, deploy/prometheus/alerts.yml: the same file in every mode.</summary>
    public const string AlertsFileName = "alerts.yml";
    /// <summary>Keeps the trace ids the services' histograms carry, so a latency point leads to its trace.</summary>
    public const string ExemplarStorage = "--enable-feature=exemplar-storage";
    private const string ContainerImage = "prom/prometheus";
    private const string ContainerTag = "v2.53.0";

    public static IResourceBuilder<IResourceWithEndpoints> AddPrometheus(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings, params string[] scrapedServices)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            // In a cluster the image built from deploy/prometheus finds the services by name.
            return builder.AddContainer(name, ContainerImage, ContainerTag)
                .WithDockerfile(Path.Combine(settings.RepositoryRoot, "deploy", "prometheus"))
                .WithHttpEndpoint(port: settings.PrometheusPort, targetPort: 9090, name: "http");
        }

        var directory = Path.Combine(settings.StateDirectory, name);
        Directory.CreateDirectory(directory);
        var containers = settings.Mode == InfrastructureMode.Containers;
        var configDirectory = containers ? "/etc/prometheus/distributed" : directory;
        var configFile = Path.Combine(directory, "prometheus.yml");
        // The rules travel beside the configuration, so the container's bind mount carries them too.
        File.Copy(Path.Combine(settings.RepositoryRoot, "deploy", "prometheus", AlertsFileName), Path.Combine(directory, AlertsFileName), overwrite: true);
        File.WriteAllText(configFile, Config(
            Path.Combine(configDirectory, TargetsFileName).Replace('\\', '/'), Path.Combine(configDirectory, AlertsFileName).Replace('\\', '/')));

        var targetsFile = Path.Combine(directory, TargetsFileName);
        builder.Services.AddSingleton(new PrometheusTargetsWriter.Options(
            targetsFile, scrapedServices, containers ? "host.docker.internal" : "127.0.0.1"));
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((@event, _) =>
        {
            PrometheusTargetsWriter.Start(@event.Services);
            return Task.CompletedTask;
        });

        if (containers)
        {
            return builder.AddContainer(name, ContainerImage, ContainerTag)
                .WithBindMount(directory, configDirectory, isReadOnly: true)
                .WithArgs($"--config.file={configDirectory}/prometheus.yml", "--web.enable-lifecycle", ExemplarStorage)
                .WithHttpEndpoint(port: settings.PrometheusPort, targetPort: 9090, name: "http")
                .WithHttpHealthCheck("/-/ready");
        }

        var command = LocalExecutables.Find("prometheus")
            ?? throw new InvalidOperationException("prometheus is not installed; run ./scripts/install-deps.sh (or apt-get install prometheus).");
        var port = settings.PrometheusPort.ToString(CultureInfo.InvariantCulture);
        return builder.AddExecutable(name, command, directory,
                $"--config.file={configFile}",
                $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-lifecycle",
                ExemplarStorage)
            .WithHttpEndpoint(port: settings.PrometheusPort, targetPort: settings.PrometheusPort, name: "http", isProxied: false)
            .WithHttpHealthCheck("/-/ready");
    }

    private static string Config(string targetsFile, string alertsFile) => $"""
        # Written by the Distributed AppHost on each start; targets are kept current in {TargetsFileName}.
        global:
          scrape_interval: 5s
          evaluation_interval: 5s
        rule_files: ["{alertsFile}"]
        scrape_configs:
          - job_name: distributed
            metrics_path: /metrics
            file_sd_configs:
              - files: ["{targetsFile}"]
                refresh_interval: 5s
        """;
}
