using System.Text.Json;
using Distributed.AppHost.Infrastructure;
using Distributed.Contracts;
using Distributed.Messaging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.AppHost.Experiments;

/// <summary>
/// The AppHost's own NATS connection, opened on first use for the dashboard's commands: it sends
/// control messages that every replica of a service hears and reads JetStream's state.
/// </summary>
public sealed class ControlChannel(INatsResource nats) : IAsyncDisposable
{
    private static readonly TimeSpan ReplyWindow = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _opening = new(1, 1);
    private NatsConnection? _connection;

    public async Task<NatsConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } open)
        {
            return open;
        }

        await _opening.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                var url = await nats.ConnectionStringExpression.GetValueAsync(cancellationToken)
                    ?? throw new InvalidOperationException("NATS has no address yet.");
                var connection = new NatsConnection(NatsOpts.Default with { Url = url, Name = "apphost-commands", InboxPrefix = NatsIdentities.OperatorInboxPrefix });
                await connection.ConnectAsync();
                _connection = connection;
            }

            return _connection;
        }
        finally
        {
            _opening.Release();
        }
    }

    public async Task<INatsJSContext> JetStreamAsync(CancellationToken cancellationToken) =>
        new NatsJSContext(await ConnectionAsync(cancellationToken));

    /// <summary>
    /// Sends <paramref name="state"/> (or nothing, to ask) on a control subject and gathers the
    /// replicas' answers until <paramref name="expected"/> have answered or a short window passes.
    /// </summary>
    public async Task<IReadOnlyList<ControlReply<TState>>> SendAsync<TState>(
        string subject, TState? state, int expected, CancellationToken cancellationToken)
        where TState : class, IContractMessage
    {
        var connection = await ConnectionAsync(cancellationToken);
        var body = state is null ? [] : ContractJson.Serialize(state);
        var replies = new List<ControlReply<TState>>();
        try
        {
            await foreach (var reply in connection.RequestManyAsync<byte[], byte[]>(
                subject, body, replyOpts: new NatsSubOpts { Timeout = ReplyWindow, MaxMsgs = expected }, cancellationToken: cancellationToken))
            {
                if (reply.Headers?.TryGetValue(ControlSubjects.ErrorHeader, out var error) == true)
                {
                    throw new InvalidOperationException($"refused: {error}");
                }

                if (reply.Data is { Length: > 0 } data
                    && JsonSerializer.Deserialize(data, typeof(ControlReply<TState>), ContractJsonContext.Default) is ControlReply<TState> decoded)
                {
                    replies.Add(decoded);
                }
            }
        }
        catch (NatsNoRespondersException)
        {
            // Nobody listens: the service is not running. The caller says so.
        }

        return replies;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _opening.Dispose();
    }
}
