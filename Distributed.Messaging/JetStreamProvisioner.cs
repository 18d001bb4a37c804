using System.Collections.Concurrent;
using Distributed.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Distributed.Messaging;

/// <summary>
/// Puts in place the streams, the bucket and the durable consumers a process relies on, once NATS
/// is reachable, and again whenever the connection comes back or a JetStream call says one is
/// missing. The topology has one owner: the provisioning step (<see cref="NatsIdentities.Provisioner"/>)
/// declares all of it; a service only waits until its part exists, since its identity may neither
/// create nor update a stream or consumer. Where NATS has no authorization at all (a service
/// started by hand, as the original was), a service declares its own part itself. A definition
/// NATS refuses (a conflicting stream) is reported in /health and logged once, not retried in a loop.
/// </summary>
public sealed partial class JetStreamProvisioner(
    NatsConnection connection,
    INatsJSContext jetStream,
    IOptions<StreamLimits> limits,
    IOptions<TopologySettings> topology,
    NatsIdentity identity,
    NatsEndpointDescription endpoint,
    ILogger<JetStreamProvisioner> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, (string Stream, ConsumerConfig Config)> _consumers = new(
        identity == NatsIdentities.Provisioner
            ? PipelineTopology.Consumers(topology.Value).ToDictionary(consumer => consumer.Config.Name!, consumer => consumer)
            : []);
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
    /// Whether this process declares the topology: the provisioner always; a service only where
    /// NATS asks no credentials, so nothing else would.
    /// </summary>
    public bool Declares => identity == NatsIdentities.Provisioner || connection.ServerInfo is { AuthRequired: false };

    private bool HasBucket => identity.Streams.Contains(IdempotencyBucket.Stream);

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

    /// <summary>
    /// The durable consumer, once the streams exist: declared (and again after NATS comes back) where
    /// this process declares, else as the provisioning step declared it, waited for until it exists.
    /// </summary>
    public async Task<INatsJSConsumer> EnsureConsumerAsync(string stream, ConsumerConfig config, CancellationToken cancellationToken)
    {
        await WaitUntilReadyAsync(cancellationToken);
        if (Declares)
        {
            _consumers[config.Name!] = (stream, config);
        }

        return await DependencyRetry.UntilSuccessAsync(
            token => Declares
                ? jetStream.CreateOrUpdateConsumerAsync(stream, config, token).AsTask()
                : jetStream.GetConsumerAsync(stream, config.Name!, token).AsTask(),
            IsTransient,
            (ex, delay) => LogRetrying(ex.Message, delay.TotalMilliseconds),
            cancellationToken);
    }

    /// <summary>The Idempotency-Key bucket, once it exists.</summary>
    public async Task<INatsKVStore> IdempotencyBucketAsync(CancellationToken cancellationToken)
    {
        await WaitUntilReadyAsync(cancellationToken);
        return await new NatsKVContext(jetStream).GetStoreAsync(IdempotencyBucket.Name, cancellationToken);
    }

    /// <summary>
    /// Whether every stream, the bucket and every consumer this process declares still exists: the
    /// provisioner's watch asks every few seconds and declares again what went missing.
    /// </summary>
    public async Task<bool> IsInPlaceAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var stream in identity.Streams)
            {
                await jetStream.GetStreamAsync(stream, cancellationToken: cancellationToken);
            }

            foreach (var (stream, config) in _consumers.Values)
            {
                await jetStream.GetConsumerAsync(stream, config.Name!, cancellationToken);
            }

            return true;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            LogMissing(ex.Error.Description ?? "a stream or consumer");
            return false;
        }
    }

    /// <summary>Declares the whole topology again (the provisioner's watch, after <see cref="IsInPlaceAsync"/> said no).</summary>
    public Task DeclareAgainAsync(CancellationToken cancellationToken) => ProvisionAsync(cancellationToken);

    /// <summary>
    /// Called by a consumer or publisher whose JetStream call failed: when the failure says a
    /// stream or consumer is missing, put the topology back.
    /// </summary>
    public Task RecoverAsync(Exception failure, CancellationToken cancellationToken) =>
        failure is NatsJSException && HasProvisioned && Declares ? ProvisionAsync(cancellationToken) : Task.CompletedTask;

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
                    if (!Declares)
                    {
                        // Read, never declared: the provisioning step owns the definitions.
                        foreach (var stream in identity.Streams)
                        {
                            await jetStream.GetStreamAsync(stream, cancellationToken: token);
                        }

                        return true;
                    }

                    foreach (var stream in StreamsFor(replicas))
                    {
                        await jetStream.CreateOrUpdateStreamAsync(await NeverFewerCopiesAsync(stream, token), token);
                    }

                    if (HasBucket)
                    {
                        await new NatsKVContext(jetStream).CreateOrUpdateStoreAsync(PipelineTopology.IdempotencyBucketConfig(topology.Value, replicas), token);
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

            if (Declares)
            {
                LogReady(identity.Streams.Count, replicas, limits.Value.Replicas is null ? "the servers of the cluster it is connected to, up to 3" : "NATS_STREAM_REPLICAS", _consumers.Count);
            }
            else
            {
                LogInPlace(identity.Streams);
            }

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
    /// Connection trouble and a JetStream that is still starting (503) pass, and so, where the
    /// provisioning step declares, does a stream or consumer not there yet (404); any other API
    /// error is a definition NATS will keep refusing, which retrying cannot fix.
    /// </summary>
    private bool IsTransient(Exception exception) =>
        exception is NatsJSApiException api
            ? api.Error.Code == 503 || (api.Error.Code == 404 && !Declares)
            : exception is NatsException or TimeoutException;

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

    [LoggerMessage(Level = LogLevel.Information, Message = "JetStream ready: {Streams} in place, as the provisioning step declared them")]
    private partial void LogInPlace(IReadOnlyList<string> streams);

    [LoggerMessage(Level = LogLevel.Warning, Message = "JetStream topology incomplete ({Missing}); declaring it again")]
    private partial void LogMissing(string missing);

    [LoggerMessage(Level = LogLevel.Information, Message = "JetStream topology accepted again")]
    private partial void LogConflictResolved();
}
