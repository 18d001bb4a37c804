using Distributed.DeadLetters;
using System.Globalization;
using Distributed.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace Distributed.AppHost.Experiments;

/// <summary>
/// The dead letters of a stage, on the resource that writes them (processor, aggregator): list
/// them, show one, replay one or all to where they came from once the cause is fixed, purge. The
/// AppHost does it as the NATS operator (<see cref="DeadLetterArchive"/>); no service could.
/// </summary>
public static class DeadLetterCommands
{
    public const string List = "dead-letters";
    public const string Show = "show-dead-letter";
    public const string Replay = "replay-dead-letters";
    public const string Purge = "purge-dead-letters";
    public const string SequenceArgument = "sequence";
    private const int Listed = 50;

    public static IResourceBuilder<ProjectResource> WithDeadLetterCommands(this IResourceBuilder<ProjectResource> resource, string stage)
    {
        resource.WithCommand(List, "Dead letters",
            context => ListAsync(context, stage),
            new CommandOptions { Description = $"The dead letters of deadletter.{stage}: when, from which subject, after how many deliveries, why.", IconName = "MailInbox" });
        resource.WithCommand(Show, "Show a dead letter",
            context => ShowAsync(context, stage),
            new CommandOptions
            {
                Description = "One dead letter's headers and payload.",
                IconName = "MailRead",
                Arguments = [new InteractionInput { Name = SequenceArgument, Label = "Sequence (from Dead letters)", InputType = InputType.Number, Required = true }],
            });
        resource.WithCommand(Replay, "Replay dead letters",
            context => ReplayAsync(context, stage),
            new CommandOptions
            {
                Description = "Once the cause is fixed: publish them again on their original subject (stored once: the request id is their identity). One that fails again comes back with its new reason.",
                IconName = "ArrowRepeatAll",
                ConfirmationMessage = $"Replay dead letters of deadletter.{stage}?",
                Arguments = [new InteractionInput { Name = SequenceArgument, Label = "Sequence (empty: all of this stage)", InputType = InputType.Number }],
            });
        resource.WithCommand(Purge, "Purge dead letters",
            context => PurgeAsync(context, stage),
            new CommandOptions
            {
                Description = $"Delete every dead letter of deadletter.{stage}, for good.",
                IconName = "Delete",
                ConfirmationMessage = $"Delete every dead letter of deadletter.{stage}? They cannot be replayed after.",
            });
        return resource;
    }

    private static async Task<ExecuteCommandResult> ListAsync(ExecuteCommandContext context, string stage)
    {
        var letters = await (await ArchiveAsync(context)).ListAsync(stage, PipelineTopology.DeadLetterMaxMessages, context.CancellationToken);
        return CommandResults.Success(DeadLetterReport.Summary(letters, stage, Listed), DeadLetterReport.Table(letters, Listed), CommandResultFormat.Markdown, displayImmediately: true);
    }

    private static async Task<ExecuteCommandResult> ShowAsync(ExecuteCommandContext context, string stage)
    {
        if (Sequence(context) is not { } sequence)
        {
            return CommandResults.Failure("Give the dead letter's sequence (the first column of Dead letters).");
        }

        if (await (await ArchiveAsync(context)).GetAsync(sequence, context.CancellationToken) is not { } letter || letter.Stage != stage)
        {
            return CommandResults.Failure($"No dead letter {sequence} on deadletter.{stage}.");
        }

        return CommandResults.Success($"Dead letter {sequence}: {letter.Reason}", DeadLetterReport.Detail(letter), CommandResultFormat.Markdown, displayImmediately: true);
    }

    private static async Task<ExecuteCommandResult> ReplayAsync(ExecuteCommandContext context, string stage)
    {
        var outcome = await (await ArchiveAsync(context)).ReplayAsync(stage, Sequence(context), context.CancellationToken);
        return outcome.Replayed == 0
            ? CommandResults.Failure(DeadLetterReport.Replay(stage, outcome))
            : CommandResults.Success(DeadLetterReport.Replay(stage, outcome));
    }

    private static async Task<ExecuteCommandResult> PurgeAsync(ExecuteCommandContext context, string stage)
    {
        var purged = await (await ArchiveAsync(context)).PurgeAsync(stage, context.CancellationToken);
        return CommandResults.Success($"Deleted {purged} dead letters of deadletter.{stage}.");
    }

    private static ulong? Sequence(ExecuteCommandContext context) =>
        context.Arguments.TryGetByName(SequenceArgument, out var input)
        && ulong.TryParse(input.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : null;

    private static async Task<DeadLetterArchive> ArchiveAsync(ExecuteCommandContext context) =>
        new(await context.Services.GetRequiredService<ControlChannel>().JetStreamAsync(context.CancellationToken));
}
