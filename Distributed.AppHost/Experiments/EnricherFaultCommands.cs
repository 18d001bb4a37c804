using System.Globalization;
using Distributed.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distributed.AppHost.Experiments;

/// <summary>
/// "Fail requests", "Slow down" and "Heal" on the enricher: runtime fault flags sent on
/// <see cref="ControlSubjects.EnricherFaults"/> to every enricher replica. They live in the
/// enricher's memory only, so restarting it heals it too.
/// </summary>
public static class EnricherFaultCommands
{
    public const string FailRequests = "fail-requests";
    public const string SlowDown = "slow-down";
    public const string Heal = "heal";
    public const string StateProperty = "experiment.faults";
    public const string ErrorPercentArgument = "percent";
    public const string LatencyArgument = "latency_ms";

    public static IResourceBuilder<ProjectResource> WithFaultCommands(this IResourceBuilder<ProjectResource> enricher, int replicas)
    {
        enricher.WithFaultCommand(FailRequests, "Fail requests", replicas, "ErrorCircle",
            "Answer a share of enrichment requests with an error: processors retry with backoff, then store tasks with enrichment null (tasks_degraded_total).",
            new FaultArgument(ErrorPercentArgument, "Requests to fail (%)", 100, 100),
            (faults, percent) => faults with { ErrorRate = percent / 100.0 });

        enricher.WithFaultCommand(SlowDown, "Slow down", replicas, "Timer",
            "Add latency to every enrichment request: traces show the wait, and past ENRICH_TIMEOUT_MS (2 s) processors time out and retry.",
            new FaultArgument(LatencyArgument, "Added latency (ms)", 500, EnricherFaults.MaxExtraLatencyMs),
            (faults, milliseconds) => faults with { ExtraLatencyMs = milliseconds });

        enricher.WithCommand(Heal, "Heal",
            context => SendAsync(context, enricher.Resource, replicas, _ => EnricherFaults.None),
            new CommandOptions
            {
                Description = "Turn off every injected fault.",
                IconName = "HeartPulse",
                UpdateState = CommandStates.EnabledWhenHealthy,
            });

        return enricher;
    }

    /// <summary>A fault set by one whole number from 0 to <paramref name="Max"/>, asked for in the command's dialog.</summary>
    private sealed record FaultArgument(string Name, string Label, int Default, int Max);

    private static void WithFaultCommand(
        this IResourceBuilder<ProjectResource> enricher, string name, string displayName, int replicas, string icon, string description,
        FaultArgument argument, Func<EnricherFaults, int, EnricherFaults> change)
    {
        enricher.WithCommand(name, displayName,
            context => SendAsync(context, enricher.Resource, replicas,
                faults => change(faults, TryNumber(context.Arguments.GetString(argument.Name), 0, argument.Max, out var value) ? value : argument.Default)),
            new CommandOptions
            {
                Description = description,
                IconName = icon,
                Arguments =
                [
                    new InteractionInput
                    {
                        Name = argument.Name, Label = argument.Label, InputType = InputType.Number,
                        Value = argument.Default.ToString(CultureInfo.InvariantCulture), Required = true,
                    },
                ],
                ValidateArguments = validation =>
                {
                    if (!TryNumber(validation.Inputs[argument.Name].Value, 0, argument.Max, out _))
                    {
                        validation.AddValidationError(validation.Inputs[argument.Name], $"A whole number from 0 to {argument.Max}.");
                    }

                    return Task.CompletedTask;
                },
                UpdateState = CommandStates.EnabledWhenHealthy,
            });
    }

    private static async Task<ExecuteCommandResult> SendAsync(
        ExecuteCommandContext context, IResource enricher, int replicas, Func<EnricherFaults, EnricherFaults> change)
    {
        var channel = context.Services.GetRequiredService<ControlChannel>();
        // Ask first, then change only the flag this command is about, so "Slow down" keeps a failure rate.
        var before = await channel.SendAsync<EnricherFaults>(ControlSubjects.EnricherFaults, null, replicas, context.CancellationToken);
        if (before.Count == 0)
        {
            return CommandResults.Failure("No enricher answered: is it running?");
        }

        var wanted = change(before[0].State);
        var after = await channel.SendAsync(ControlSubjects.EnricherFaults, wanted, replicas, context.CancellationToken);
        var state = wanted.ToString();
        context.Logger.LogWarning("Experiment: {Count} of {Replicas} enricher replicas now {State}", after.Count, replicas, state);
        await context.Services.GetRequiredService<ResourceNotificationService>().ShowAsync(enricher, StateProperty, state);
        return after.Count == replicas
            ? CommandResults.Success($"Enricher {state}.")
            : CommandResults.Failure($"Only {after.Count} of {replicas} enricher replicas answered; those are now {state}.");
    }

    private static bool TryNumber(string? text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
}
