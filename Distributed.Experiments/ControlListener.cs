using Distributed.Contracts;
using Distributed.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace Distributed.Experiments;

/// <summary>
/// Listens on a control subject (no queue group: every replica hears it), applies a well-formed
/// state and answers every message, an empty one included, with the state it now has. A
/// malformed message changes nothing and is answered with an error header naming the problem.
/// </summary>
public sealed partial class ControlListener<TState>(
    NatsConnection connection,
    IControllable<TState> target,
    string subject,
    ILogger<ControlListener<TState>> logger) : BackgroundService
    where TState : class, IContractMessage
{
    private static readonly string Instance = $"{Environment.MachineName}/{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var msg in connection.SubscribeAsync<byte[]>(subject, cancellationToken: stoppingToken))
            {
                await HandleAsync(msg, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task HandleAsync(NatsMsg<byte[]> msg, CancellationToken stoppingToken)
    {
        NatsHeaders? headers = null;
        if (msg.Data is { Length: > 0 } body)
        {
            if (ContractJson.TryDecode<TState>(body, out var state, out var error))
            {
                target.Apply(state);
                LogApplied(subject, state.ToString() ?? string.Empty);
            }
            else
            {
                LogRejected(subject, error);
                headers = new NatsHeaders { [ControlSubjects.ErrorHeader] = error };
            }
        }

        if (msg.ReplyTo is null)
        {
            return;
        }

        try
        {
            var reply = ContractJson.Serialize(new ControlReply<TState>(Instance, Environment.ProcessId, target.Current));
            await msg.ReplyAsync(reply, headers: headers, cancellationToken: stoppingToken);
        }
        catch (NatsException ex)
        {
            LogReplyFailed(subject, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control message on {Subject}: now {State}")]
    private partial void LogApplied(string subject, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control message on {Subject} ignored: {Problem}")]
    private partial void LogRejected(string subject, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not answer a control message on {Subject}: {Reason}")]
    private partial void LogReplyFailed(string subject, string reason);
}

public static class ControlListenerExtensions
{
    /// <summary>Experiments are opt-in: the AppHost's local development run turns them on, deployments leave them off.</summary>
    public const string EnabledVariable = ControlSubjects.ExperimentsEnabledVariable;

    public static bool ExperimentsEnabled(IConfiguration configuration) =>
        bool.TryParse(configuration[EnabledVariable], out var enabled) && enabled;

    /// <summary>
    /// The experiment flag <typeparamref name="TTarget"/>, always there (off) for the service to read,
    /// and a listener on <paramref name="subject"/> that switches it only when experiments are enabled:
    /// otherwise nothing subscribes, and control messages reach no one.
    /// </summary>
    public static IHostApplicationBuilder AddControl<TState, TTarget>(this IHostApplicationBuilder builder, string subject)
        where TState : class, IContractMessage
        where TTarget : class, IControllable<TState>
    {
        builder.Services.AddSingleton<TTarget>();
        builder.Services.AddSingleton<IControllable<TState>>(provider => provider.GetRequiredService<TTarget>());
        if (ExperimentsEnabled(builder.Configuration))
        {
            builder.Services.AddHostedService(provider => ActivatorUtilities.CreateInstance<ControlListener<TState>>(provider, subject));
        }

        return builder;
    }
}
