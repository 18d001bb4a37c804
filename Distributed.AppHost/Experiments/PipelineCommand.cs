using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Distributed.Contracts;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Distributed.AppHost.Experiments;

/// <summary>
/// "Show pipeline" on the aggregator: where every accepted task is right now, read from JetStream
/// and the aggregator's /stats, as one table.
/// </summary>
public static class PipelineCommand
{
    public const string ShowPipeline = "show-pipeline";

    public static IResourceBuilder<ProjectResource> WithPipelineCommand(this IResourceBuilder<ProjectResource> aggregator)
    {
        aggregator.WithCommand(ShowPipeline, "Show pipeline",
            context => ShowAsync(context, aggregator.Resource),
            new CommandOptions
            {
                Description = "Accepted vs stored, the backlog of each consumer and the dead letters, right now.",
                IconName = "Flowchart",
                IsHighlighted = true,
                UpdateState = CommandStates.EnabledWhenHealthy,
            });
        return aggregator;
    }

    private static async Task<ExecuteCommandResult> ShowAsync(ExecuteCommandContext context, ProjectResource aggregator)
    {
        var cancellationToken = context.CancellationToken;
        var jetStream = await context.Services.GetRequiredService<ControlChannel>().JetStreamAsync(cancellationToken);
        var tasks = await jetStream.GetStreamAsync(JetStreamNames.TasksStream, cancellationToken: cancellationToken);
        var results = await jetStream.GetStreamAsync(JetStreamNames.ResultsStream, cancellationToken: cancellationToken);
        var deadLetters = await jetStream.GetStreamAsync(
            JetStreamNames.DeadLetterStream, new StreamInfoRequest { SubjectsFilter = Subjects.DeadLetterPrefix + ">" }, cancellationToken);
        var processors = await jetStream.GetConsumerAsync(JetStreamNames.TasksStream, JetStreamNames.ProcessorsConsumer, cancellationToken);
        var aggregators = await jetStream.GetConsumerAsync(JetStreamNames.ResultsStream, JetStreamNames.AggregatorConsumer, cancellationToken);

        using var http = new HttpClient { BaseAddress = new Uri(aggregator.GetEndpoint("http").Url), Timeout = TimeSpan.FromSeconds(5) };
        var stats = await http.GetFromJsonAsync<JsonElement>("/stats", cancellationToken);
        var stored = stats.GetProperty("total_results").GetInt64();

        var table = new StringBuilder()
            .AppendLine("| where | tasks |")
            .AppendLine("|---|---:|")
            .AppendLine(Row("accepted by the gateway (TASKS stream, all time)", tasks.Info.State.LastSeq))
            .AppendLine(Row("waiting for a processor (`processors` pending)", processors.Info.NumPending))
            .AppendLine(Row("held by processors, not acked (`processors` ack pending)", processors.Info.NumAckPending))
            .AppendLine(Row("redelivered at least once (`processors`)", processors.Info.NumRedelivered))
            .AppendLine(Row("results published (RESULTS stream, all time)", results.Info.State.LastSeq))
            .AppendLine(Row("waiting for an aggregator (`aggregator` pending)", aggregators.Info.NumPending))
            .AppendLine(Row("held by aggregators, not acked (`aggregator` ack pending)", aggregators.Info.NumAckPending))
            .AppendLine(Row("stored in PostgreSQL (`/stats` total)", stored))
            .AppendLine(Row("dead letters (DEADLETTER stream)", deadLetters.Info.State.Messages));
        foreach (var (subject, count) in deadLetters.Info.State.Subjects ?? new Dictionary<string, long>())
        {
            table.AppendLine(Row($"&nbsp;&nbsp;on `{subject}`", count));
        }

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{stored:N0} stored; backlog {processors.Info.NumPending + (ulong)processors.Info.NumAckPending:N0} at the processors, {aggregators.Info.NumPending + (ulong)aggregators.Info.NumAckPending:N0} at the aggregator; {deadLetters.Info.State.Messages:N0} dead letters");
        return CommandResults.Success(summary, table.ToString(), CommandResultFormat.Markdown, displayImmediately: true);
    }

    private static string Row(string label, ulong value) => string.Create(CultureInfo.InvariantCulture, $"| {label} | {value:N0} |");

    private static string Row(string label, long value) => string.Create(CultureInfo.InvariantCulture, $"| {label} | {value:N0} |");
}
