using System.Collections.Concurrent;
using Distributed.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.Messaging;

/// <summary>
/// Creates the streams and durable consumers every service relies on, once NATS is reachable,
/// and again whenever the connection comes back: a NATS that returns with an empty store (a
/// lost volume) gets its streams and consumers back without a service restart. Each service
/// runs it, so whichever starts first sets things up and none depends on a separate setup step.
/// A definition NATS refuses (a conflicting stream) is reported in /health and logged once,
/// not retried in a loop.
/// </summary>
public sealed partial class JetStreamProvisioner(
    NatsConnection connection,
    INatsJSContext jetStream,
    IOptions<StreamLimits> limits,
    NatsIdentity identity,
    NatsEndpointDescription endpoint,
    ILogger<JetStreamProvisioner> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, (string Stream, ConsumerConfig Config)> _consumers = new();
    private readonly SemaphoreSlim _provisioning = new(1, 1);
    private CancellationToken _stopping;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully && Conflict is null;

    /// <summary>Why NATS refused the topology, when it did; cleared once it is accepted.</summary>
    public string? Conflict { get; private set; }

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Only the streams this service uses (its NATS identity may declare those and no others), on as
    /// many nodes as NATS_STREAM_REPLICAS says or, unset, as the cluster it is connected to has.
    /// </summary>
    private IReadOnlyList<StreamConfig> StreamsFor(int replicas) =>
        [.. PipelineTopology.Streams(limits.Value, replicas).Where(stream => identity.Streams.Contains(stream.Name))];

    private int Replicas => limits.Value.ReplicasFor(connection.ServerInfo?.ClientConnectUrls);

    /// <summary>
    /// Following the cluster, a stream only ever gains copies: a node that is down for a while (the
    /// servers then tell of one fewer) must not shrink the streams it held. NATS_STREAM_REPLICAS,
    /// when set, is the operator's word and applies as it is.
    /// </summary>
    private async Task<StreamConfig> NeverFewerCopiesAsync(StreamConfig stream, CancellationToken cancellationToken)
    {
        if (limits.Value.Replicas is not null)
        {
            return stream;
        }

        try
        {
            var existing = await jetStream.GetStreamAsync(stream.Name!, cancellationToken: cancellationToken);
            return existing.Info.Config.NumReplicas > stream.NumReplicas ? stream with { NumReplicas = existing.Info.Config.NumReplicas } : stream;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return stream;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        LogConnecting(endpoint.RedactedUrl);
        connection.ConnectionOpened += OnConnectionOpenedAsync;
        await ProvisionAsync(stoppingToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        connection.ConnectionOpened -= OnConnectionOpenedAsync;
        await base.StopAsync(cancellationToken);
    }

    /// <summary>Creates or updates a durable consumer once the streams exist, and again after NATS comes back.</summary>
    public async Task<INatsJSConsumer> EnsureConsumerAsync(string stream, ConsumerConfig config, CancellationToken cancellationToken)
    {
        _consumers[config.Name!] = (stream, config);
        await WaitUntilReadyAsync(cancellationToken);
        return await DependencyRetry.UntilSuccessAsync(
            token => jetStream.CreateOrUpdateConsumerAsync(stream, config, token).AsTask(),
            IsTransient,
            (ex, delay) => LogRetrying(ex.Message, delay.TotalMilliseconds),
            cancellationToken);
    }

    /// <summary>
    /// Called by a consumer or publisher whose JetStream call failed: when the failure says a
    /// stream or consumer is missing, put the topology back.
    /// </summary>
    public Task RecoverAsync(Exception failure, CancellationToken cancellationToken) =>
        failure is NatsJSException && HasProvisioned ? ProvisionAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// What a consume loop does when its pull fails: say so, put the topology back if the failure
    /// says a stream or consumer is missing, and pause a moment before pulling again.
    /// </summary>
    public async Task ResumeAfterAsync(Exception failure, string consumer, CancellationToken cancellationToken)
    {
        LogConsumeInterrupted(consumer, failure.Message);
        await RecoverAsync(failure, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>The first provisioning has run to an end (ready or refused); later ones put the topology back.</summary>
    private bool HasProvisioned => _ready.Task.IsCompleted || Conflict is not null;

    private ValueTask OnConnectionOpenedAsync(object? sender, NatsEventArgs args)
    {
        if (HasProvisioned)
        {
            // Not awaited: the connection's event must not wait on requests over that connection.
            _ = ProvisionAsync(_stopping);
        }

        return ValueTask.CompletedTask;
    }

    private async Task ProvisionAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _provisioning.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var replicas = 1;
        try
        {
            await DependencyRetry.UntilSuccessAsync(
                async token =>
                {
                    await connection.ConnectAsync();
                    replicas = Replicas;
                    foreach (var stream in StreamsFor(replicas))
                    {
                        await jetStream.CreateOrUpdateStreamAsync(await NeverFewerCopiesAsync(stream, token), token);
                    }

                    foreach (var (stream, config) in _consumers.Values)
                    {
                        await jetStream.CreateOrUpdateConsumerAsync(stream, config, token);
                    }

                    return true;
                },
                IsTransient,
                (ex, delay) => LogRetrying(ex.Message, delay.TotalMilliseconds),
                cancellationToken);

            if (Conflict is not null)
            {
                LogConflictResolved();
                Conflict = null;
            }

            LogReady(identity.Streams.Count, replicas, limits.Value.Replicas is null ? "the servers of the cluster it is connected to, up to 3" : "NATS_STREAM_REPLICAS", _consumers.Count);
            _ready.TrySetResult();
        }
        catch (NatsJSApiException ex)
        {
            Conflict = $"NATS refused the JetStream topology: {ex.Error.Description} (error {ex.Error.ErrCode})";
            LogConflict(Conflict);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _provisioning.Release();
        }
    }

    /// <summary>
    /// Connection trouble and a JetStream that is still starting (503) pass; any other API error
    /// is a definition NATS will keep refusing, which retrying cannot fix.
    /// </summary>
    private static bool IsTransient(Exception exception) =>
        exception is NatsJSApiException api ? api.Error.Code == 503 : exception is NatsException or TimeoutException;

    [LoggerMessage(Level = LogLevel.Information, Message = "Connecting to NATS at {Url}")]
    private partial void LogConnecting(string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "JetStream ready: {Streams} streams on {Replicas} node(s) (as {ReplicasFrom} says) and {Consumers} consumers in place")]
    private partial void LogReady(int streams, int replicas, string replicasFrom, int consumers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NATS not usable yet ({Reason}); retrying in {DelayMs} ms")]
    private partial void LogRetrying(string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Conflict}; /health reports it until the streams are fixed and NATS reconnects")]
    private partial void LogConflict(string conflict);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer} interrupted ({Reason}); resuming")]
    private partial void LogConsumeInterrupted(string consumer, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "JetStream topology accepted again")]
    private partial void LogConflictResolved();
}
