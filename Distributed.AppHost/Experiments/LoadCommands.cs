using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Distributed.AppHost.Experiments;

/// <summary>"Send load" and "Stop load" on the gateway, run by the AppHost's <see cref="LoadGenerator"/>.</summary>
public static class LoadCommands
{
    public const string SendLoad = "send-load";
    public const string StopLoad = "stop-load";
    public const string PresetArgument = "preset";
    public const string RateArgument = "rate";
    public const string SecondsArgument = "seconds";

    /// <summary>The run's summary, then its state, accepted and stored counts on their own for scripts and tests.</summary>
    public const string SummaryProperty = "experiment.load";
    public const string StateProperty = "experiment.load.state";
    public const string AcceptedProperty = "experiment.load.accepted";
    public const string StoredProperty = "experiment.load.stored";

    public static IResourceBuilder<ProjectResource> WithLoadCommands(
        this IResourceBuilder<ProjectResource> gateway, IResourceBuilder<ProjectResource> aggregator)
    {
        gateway.WithCommand(SendLoad, "Send load",
            context => StartAsync(context, gateway.Resource, aggregator.Resource),
            new CommandOptions
            {
                Description = "Send tasks (task_type 'load') at a fixed rate from the AppHost; progress in these logs, a summary at the end (accepted, 503s, stored, end-to-end p50/p99).",
                IconName = "Rocket",
                IsHighlighted = true,
                Arguments =
                [
                    new InteractionInput
                    {
                        Name = PresetArgument, Label = "Load", InputType = InputType.Choice, Required = true, Value = "gentle",
                        Options = [.. LoadPlan.PresetLabels],
                    },
                    new InteractionInput
                    {
                        Name = RateArgument, Label = "Or a rate (tasks/s)", InputType = InputType.Number,
                        Description = "With a duration, overrides the preset.",
                    },
                    new InteractionInput { Name = SecondsArgument, Label = "for (s)", InputType = InputType.Number },
                ],
                ValidateArguments = validation =>
                {
                    if (Plan(validation.Inputs, out var problem) is null)
                    {
                        validation.AddValidationError(validation.Inputs[RateArgument], problem!);
                    }

                    return Task.CompletedTask;
                },
                UpdateState = context => context.Services.GetRequiredService<LoadGenerator>().IsRunning
                    ? ResourceCommandState.Disabled
                    : CommandStates.EnabledWhenHealthy(context),
            });

        gateway.WithCommand(StopLoad, "Stop load",
            context => Task.FromResult(context.Services.GetRequiredService<LoadGenerator>().Stop()
                ? CommandResults.Success("Stopping the load; the summary follows in the logs.")
                : CommandResults.Failure("No load is running.")),
            new CommandOptions
            {
                Description = "Stop sending; the summary counts what was sent until then.",
                IconName = "Stop",
                UpdateState = context => context.Services.GetRequiredService<LoadGenerator>().IsRunning
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });
        return gateway;
    }

    private static Task<ExecuteCommandResult> StartAsync(ExecuteCommandContext context, ProjectResource gateway, ProjectResource aggregator)
    {
        if (Plan(context.Arguments, out var problem) is not { } plan)
        {
            return Task.FromResult(CommandResults.Failure(problem));
        }

        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(context.ResourceName);
        var started = context.Services.GetRequiredService<LoadGenerator>().TryStart(
            plan,
            new Uri(gateway.GetEndpoint("http").Url),
            new Uri(aggregator.GetEndpoint("http").Url),
            logger,
            report => notifications.ShowAsync(
                gateway,
                (SummaryProperty, report.ToString()),
                (StateProperty, report.State),
                (AcceptedProperty, report.Accepted.ToString(CultureInfo.InvariantCulture)),
                (StoredProperty, report.Stored.ToString(CultureInfo.InvariantCulture))));
        return Task.FromResult(started
            ? CommandResults.Success($"Sending {plan}; progress in the gateway's logs.")
            : CommandResults.Failure("A load is already running: stop it first."));
    }

    /// <summary>The preset, or a rate and duration when both are given; null with the reason when they make no sense.</summary>
    public static LoadPlan? Plan(InteractionInputCollection inputs, out string? problem)
    {
        problem = null;
        var rate = inputs.TryGetByName(RateArgument, out var rateInput) ? rateInput.Value : null;
        var seconds = inputs.TryGetByName(SecondsArgument, out var secondsInput) ? secondsInput.Value : null;
        if (!string.IsNullOrWhiteSpace(rate) || !string.IsNullOrWhiteSpace(seconds))
        {
            if (int.TryParse(rate, NumberStyles.None, CultureInfo.InvariantCulture, out var perSecond) && perSecond is >= 1 and <= 5_000
                && int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var duration) && duration is >= 1 and <= 600)
            {
                return new LoadPlan(perSecond, TimeSpan.FromSeconds(duration));
            }

            problem = "A rate needs a duration: 1–5,000 tasks/s for 1–600 s.";
            return null;
        }

        var preset = inputs.TryGetByName(PresetArgument, out var presetInput) ? presetInput.Value : null;
        if (LoadPlan.Presets.TryGetValue(preset ?? "gentle", out var plan))
        {
            return plan;
        }

        problem = $"Unknown preset '{preset}'.";
        return null;
    }
}
