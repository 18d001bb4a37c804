using Distributed.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distributed.AppHost.Experiments;

/// <summary>
/// "Pause" / "Resume" the processors (all replicas: the shared consumer's backlog grows, then
/// drains) and "Crash this replica" (kill -9: its unacked tasks return after the ack wait and
/// the other replicas take them).
/// </summary>
public static class ProcessorCommands
{
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string Crash = "crash-replica";
    public const string StateProperty = "experiment.intake";

    public static IResourceBuilder<ProjectResource> WithProcessorCommands(this IResourceBuilder<ProjectResource> processor, int replicas)
    {
        processor.WithCommand(Pause, "Pause",
            context => SwitchAsync(context, processor.Resource, replicas, paused: true),
            new CommandOptions
            {
                Description = "Every processor replica finishes the tasks it holds and takes no more: the backlog of the 'processors' consumer grows.",
                IconName = "Pause",
                UpdateState = CommandStates.EnabledWhenHealthy,
            });
        processor.WithCommand(Resume, "Resume",
            context => SwitchAsync(context, processor.Resource, replicas, paused: false),
            new CommandOptions
            {
                Description = "Every processor replica takes tasks again: the backlog drains.",
                IconName = "Play",
                UpdateState = CommandStates.EnabledWhenHealthy,
            });
        processor.WithCommand(Crash, "Crash this replica",
            context => ProcessKill.KillAsync(context, "its unacked tasks are redelivered to the other replicas after the ack wait"),
            new CommandOptions
            {
                Description = "kill -9 this replica: the tasks it held come back after the ack wait and another replica stores them. Start brings it back.",
                IconName = "Bug",
                ConfirmationMessage = "Kill this processor replica with SIGKILL? Its tasks are redelivered to the other replicas after the ack wait.",
                UpdateState = CommandStates.EnabledWhenHealthy,
            });
        return processor;
    }

    private static async Task<ExecuteCommandResult> SwitchAsync(ExecuteCommandContext context, IResource processor, int replicas, bool paused)
    {
        var channel = context.Services.GetRequiredService<ControlChannel>();
        var replies = await channel.SendAsync(ControlSubjects.ProcessorIntake, new ProcessorIntake(paused), replicas, context.CancellationToken);
        if (replies.Count == 0)
        {
            return CommandResults.Failure("No processor answered: is one running?");
        }

        var state = new ProcessorIntake(paused).ToString();
        context.Logger.LogWarning("Experiment: {Count} of {Replicas} processor replicas now {State}", replies.Count, replicas, state);
        await context.Services.GetRequiredService<ResourceNotificationService>().ShowAsync(processor, StateProperty, state);
        return CommandResults.Success($"{replies.Count} of {replicas} processor replicas {state}.");
    }
}
