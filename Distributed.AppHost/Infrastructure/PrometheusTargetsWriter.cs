using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// Keeps Prometheus's file-based service discovery in step with the running replicas: each
/// replica of each service becomes a target labelled <c>app=&lt;service&gt;</c> (the label the
/// original's dashboard filters on) and <c>replica=&lt;resource id&gt;</c>.
/// </summary>
public sealed class PrometheusTargetsWriter
{
    public sealed record Options(string TargetsFile, IReadOnlyList<string> Services, string Host);

    private readonly Dictionary<string, (string App, string Address)> _targets = [];
    private readonly Options _options;
    private readonly ILogger _logger;

    private PrometheusTargetsWriter(Options options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    public static void Start(IServiceProvider services)
    {
        var writer = new PrometheusTargetsWriter(
            services.GetRequiredService<Options>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger<PrometheusTargetsWriter>());
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var stopping = services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;
        writer.Write();
        _ = writer.WatchAsync(notifications, stopping);
    }

    private async Task WatchAsync(ResourceNotificationService notifications, CancellationToken stopping)
    {
        try
        {
            await foreach (var change in notifications.WatchAsync(stopping))
            {
                if (!_options.Services.Contains(change.Resource.Name))
                {
                    continue;
                }

                var address = change.Snapshot.State?.Text == KnownResourceStates.Running ? ReplicaAddress(change.Snapshot) : null;
                var changed = address is null
                    ? _targets.Remove(change.ResourceId)
                    : !_targets.TryGetValue(change.ResourceId, out var known) || known.Address != address;
                if (address is not null)
                {
                    _targets[change.ResourceId] = (change.Resource.Name, address);
                }

                if (changed)
                {
                    Write();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The AppHost is stopping.
        }
    }

    /// <summary>
    /// The replica's own HTTP address. The URLs a snapshot lists are the proxy's, shared by all
    /// replicas; where each replica really listens is in the ASPNETCORE_URLS it was given.
    /// </summary>
    private string? ReplicaAddress(CustomResourceSnapshot snapshot)
    {
        var listen = snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == "ASPNETCORE_URLS")?.Value?
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal))
            ?? snapshot.Urls.FirstOrDefault(u => u.Url.StartsWith("http://", StringComparison.Ordinal))?.Url;
        return listen is not null && Uri.TryCreate(listen, UriKind.Absolute, out var uri) ? $"{_options.Host}:{uri.Port}" : null;
    }

    private void Write()
    {
        var groups = _targets
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new Dictionary<string, object>
            {
                ["targets"] = new[] { t.Value.Address },
                ["labels"] = new Dictionary<string, string> { ["app"] = t.Value.App, ["replica"] = t.Key },
            })
            .ToList();
        var temporary = _options.TargetsFile + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(groups));
        File.Move(temporary, _options.TargetsFile, overwrite: true);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("Prometheus targets: {Targets}", string.Join(", ", _targets.Values.Select(t => $"{t.App}@{t.Address}")));
        }
    }
}
