using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// Restarts a NATS node whose JetStream stopped answering while its process runs on. After its
/// store ran out of space, nats-server 2.9 keeps answering /healthz (js-enabled-only too) while
/// every JetStream call, and /jsz, hangs, even once space is back; or it turns JetStream off
/// ("disabled" in /jsz) and never on again: either way, without a restart the gateway answers 503
/// forever. So /jsz is what is asked, and a node that leaves it unanswered, or says JetStream is
/// off, for several probes in a row is restarted through its resource's own Restart command; its
/// store is on disk, so nothing it acknowledged is lost.
/// </summary>
public sealed partial class JetStreamWatchdog(
    IReadOnlyList<(string Resource, Uri Monitor)> nodes,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ILogger<JetStreamWatchdog> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private const int FailuresBeforeRestart = 3;

    /// <summary>A node that has not answered yet is left alone this long after it starts running: it may still be loading its store.</summary>
    private static readonly TimeSpan StartupGrace = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var http = new HttpClient { Timeout = ProbeTimeout };
        var failures = nodes.ToDictionary(node => node.Resource, _ => 0);
        // A node is judged once it has answered since it (re)started, or has been running for the
        // grace period: one still starting is not hung, but one whose disk filled in its first
        // seconds (before any probe was answered) must not be spared for good.
        var answered = nodes.ToDictionary(node => node.Resource, _ => false);
        var runningSince = nodes.ToDictionary(node => node.Resource, _ => (DateTimeOffset?)null);
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var (resource, monitor) in nodes)
            {
                if (!notifications.TryGetCurrentState(resource, out var state) || state.Snapshot.State?.Text != KnownResourceStates.Running)
                {
                    (failures[resource], answered[resource], runningSince[resource]) = (0, false, null);
                    continue;
                }

                runningSince[resource] ??= DateTimeOffset.UtcNow;

                if (await AnswersAsync(http, monitor, stoppingToken))
                {
                    (failures[resource], answered[resource]) = (0, true);
                    continue;
                }

                var judged = answered[resource] || DateTimeOffset.UtcNow - runningSince[resource] >= StartupGrace;
                if (judged && ++failures[resource] >= FailuresBeforeRestart)
                {
                    LogRestarting(resource, FailuresBeforeRestart * (Interval + ProbeTimeout).TotalSeconds);
                    (failures[resource], answered[resource], runningSince[resource]) = (0, false, null);
                    var result = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.RestartCommand, stoppingToken);
                    if (!result.Success)
                    {
                        LogRestartFailed(resource, result.Message);
                    }
                }
            }
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient http, Uri monitor, CancellationToken stoppingToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(monitor, "/jsz"), stoppingToken);
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            using var jsz = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(stoppingToken), cancellationToken: stoppingToken);
            return !(jsz.RootElement.TryGetProperty("disabled", out var disabled) && disabled.ValueKind == JsonValueKind.True);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "JetStream on {Resource} has not answered, or has been off, for about {Seconds} s while the process runs (a store that ran out of space leaves it so); restarting it")]
    private partial void LogRestarting(string resource, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restarting {Resource} failed: {Reason}")]
    private partial void LogRestartFailed(string resource, string? reason);
}
