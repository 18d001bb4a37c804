using Distributed.Aggregator.Data;
using Distributed.Messaging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Distributed.Provisioning;

/// <summary>
/// The one owner of the topology, run before the services: the JetStream streams, the bucket and
/// the durable consumers (through <see cref="JetStreamProvisioner"/>, as the provisioner identity),
/// then the results schema as the database's owner role. Exits 0 once everything is in place, or,
/// with PROVISION_WATCH_SECONDS set, stays to declare again whatever goes missing; exits 1 when
/// NATS refuses a definition (a conflicting stream), which no retry fixes.
/// </summary>
public sealed partial class ProvisioningRun(
    JetStreamProvisioner topology,
    IServiceScopeFactory scopes,
    DatabaseTarget database,
    IOptions<ProvisioningOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ProvisioningRun> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // The provisioner reports a refused definition rather than retrying it: stop on either outcome.
        while (!topology.IsReady && topology.Conflict is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
        }

        if (topology.Conflict is { } conflict)
        {
            LogFailed(conflict);
            Environment.ExitCode = 1;
            return;
        }

        if (database.Given)
        {
            await DependencyRetry.UntilSuccessAsync(
                async token =>
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await ResultsSchema.ApplyAsync(scope.ServiceProvider.GetRequiredService<ResultsDbContext>(),
                        options.Value.IngestRole, options.Value.ReaderRole, token);
                    return true;
                },
                ex => ex is NpgsqlException or InvalidOperationException or TimeoutException,
                (ex, delay) => LogDatabaseWaiting(ex.GetBaseException().Message, delay.TotalMilliseconds),
                stoppingToken);
            LogSchema(options.Value.IngestRole ?? "(none)", options.Value.ReaderRole ?? "(none)");
        }

        LogProvisioned();
        if (options.Value.WatchSeconds == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.WatchSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (!await topology.IsInPlaceAsync(stoppingToken))
                {
                    await topology.DeclareAgainAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is NATS.Client.Core.NatsException or TimeoutException)
            {
                // NATS away: the provisioner declares again once the connection is back.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Topology provisioned: streams, bucket and consumers in place")]
    private partial void LogProvisioned();

    [LoggerMessage(Level = LogLevel.Information, Message = "Results schema migrated; table rights granted to ingest role {Ingest} and reader role {Reader}")]
    private partial void LogSchema(string ingest, string reader);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL not usable yet ({Reason}); retrying in {DelayMs} ms")]
    private partial void LogDatabaseWaiting(string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Provisioning failed: {Reason}")]
    private partial void LogFailed(string reason);
}

/// <summary>Whether the owner's database connection was given, so the schema is this step's to put in place.</summary>
public sealed record DatabaseTarget(bool Given);
