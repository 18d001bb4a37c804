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
        enricher.WithCommand(FailRequests, "Fail requests",
            context => SendAsync(context, enricher.Resource, replicas, faults => faults with { ErrorRate = Percent(context) / 100.0 }),
            new CommandOptions
            {
                Description = "Answer a share of enrichment requests with an error: processors retry with backoff, then store tasks with enrichment null (tasks_degraded_total).",
                IconName = "ErrorCircle",
                Arguments =
                [
                    new InteractionInput
                    {
                        Name = ErrorPercentArgument, Label = "Requests to fail (%)", InputType = InputType.Number, Value = "100", Required = true,
                    },
                ],
                ValidateArguments = validation =>
                {
                    if (!TryNumber(validation.Inputs[ErrorPercentArgument].Value, 0, 100, out _))
                    {
                        validation.AddValidationError(validation.Inputs[ErrorPercentArgument], "A whole number from 0 to 100.");
                    }

                    return Task.CompletedTask;
                },
                UpdateState = Running,
            });

        enricher.WithCommand(SlowDown, "Slow down",
            context => SendAsync(context, enricher.Resource, replicas, faults => faults with { ExtraLatencyMs = Latency(context) }),
            new CommandOptions
            {
                Description = "Add latency to every enrichment request: traces show the wait, and past ENRICH_TIMEOUT_MS (2 s) processors time out and retry.",
                IconName = "Timer",
                Arguments =
                [
                    new InteractionInput
                    {
                        Name = LatencyArgument, Label = "Added latency (ms)", InputType = InputType.Number, Value = "500", Required = true,
                    },
                ],
                ValidateArguments = validation =>
                {
                    if (!TryNumber(validation.Inputs[LatencyArgument].Value, 0, EnricherFaults.MaxExtraLatencyMs, out _))
                    {
                        validation.AddValidationError(validation.Inputs[LatencyArgument], $"A whole number from 0 to {EnricherFaults.MaxExtraLatencyMs}.");
                    }

                    return Task.CompletedTask;
                },
                UpdateState = Running,
            });

        enricher.WithCommand(Heal, "Heal",
            context => SendAsync(context, enricher.Resource, replicas, _ => EnricherFaults.None),
            new CommandOptions
            {
                Description = "Turn off every injected fault.",
                IconName = "HeartPulse",
                UpdateState = Running,
            });

        return enricher;
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

    private static int Percent(ExecuteCommandContext context) =>
        TryNumber(context.Arguments.GetString(ErrorPercentArgument), 0, 100, out var value) ? value : 100;

    private static int Latency(ExecuteCommandContext context) =>
        TryNumber(context.Arguments.GetString(LatencyArgument), 0, EnricherFaults.MaxExtraLatencyMs, out var value) ? value : 500;

    private static bool TryNumber(string? text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    internal static ResourceCommandState Running(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.HealthStatus is Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
            ? ResourceCommandState.Enabled
            : ResourceCommandState.Disabled;
}
