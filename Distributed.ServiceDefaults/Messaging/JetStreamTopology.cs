using Distributed.Contracts;
using Distributed.ServiceDefaults.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.ServiceDefaults.Messaging;

/// <summary>
/// Creates the streams every service relies on, once NATS is reachable. Each service runs it,
/// so whichever starts first sets things up and none depends on a separate setup step.
/// </summary>
public sealed partial class JetStreamTopology(
    NatsConnection connection,
    INatsJSContext jetStream,
    StreamLimits limits,
    NatsEndpointDescription endpoint,
    ILogger<JetStreamTopology> logger) : BackgroundService
{
    private static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(2);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public IReadOnlyList<StreamConfig> Streams =>
    [
        WorkQueue(Subjects.TasksStream, Subjects.TasksPrefix),
        WorkQueue(Subjects.ResultsStream, Subjects.ResultsPrefix),
        new(Subjects.DeadLetterStream, [Subjects.DeadLetterPrefix + ">"])
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            Discard = StreamConfigDiscard.Old,
            MaxAge = TimeSpan.FromDays(7),
            MaxMsgs = 100_000,
        },
    ];

    /// <summary>
    /// A stream whose messages each go to one consumer and leave once acked, on disk, bounded,
    /// refusing new messages when full rather than dropping stored ones.
    /// </summary>
    private StreamConfig WorkQueue(string name, string subjectPrefix) => new(name, [subjectPrefix + ">"])
    {
        Retention = StreamConfigRetention.Workqueue,
        Storage = StreamConfigStorage.File,
        Discard = StreamConfigDiscard.New,
        MaxMsgs = limits.MaxMessages,
        MaxBytes = limits.MaxBytes,
        DuplicateWindow = DuplicateWindow,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogConnecting(endpoint.RedactedUrl);
        await Retry.UntilSuccessAsync(
            async cancellationToken =>
            {
                await connection.ConnectAsync();
                foreach (var stream in Streams)
                {
                    await jetStream.CreateOrUpdateStreamAsync(stream, cancellationToken);
                }

                return true;
            },
            IsTransient,
            (ex, delay) => LogRetrying(ex.Message, delay.TotalMilliseconds),
            stoppingToken);

        LogReady(Streams.Count);
        _ready.TrySetResult();
    }

    /// <summary>Creates or updates a durable consumer once the streams exist.</summary>
    public async Task<INatsJSConsumer> EnsureConsumerAsync(string stream, ConsumerConfig config, CancellationToken cancellationToken)
    {
        await WaitUntilReadyAsync(cancellationToken);
        return await Retry.UntilSuccessAsync(
            token => jetStream.CreateOrUpdateConsumerAsync(stream, config, token).AsTask(),
            IsTransient,
            (ex, delay) => LogRetrying(ex.Message, delay.TotalMilliseconds),
            cancellationToken);
    }

    private static bool IsTransient(Exception exception) => exception is NatsException or TimeoutException;

    [LoggerMessage(Level = LogLevel.Information, Message = "Connecting to NATS at {Url}")]
    private partial void LogConnecting(string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "JetStream ready: {Count} streams in place")]
    private partial void LogReady(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NATS not usable yet ({Reason}); retrying in {DelayMs} ms")]
    private partial void LogRetrying(string reason, double delayMs);
}
