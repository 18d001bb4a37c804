using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Distributed.Tests.Faults;
using Distributed.Tests.Integration;

namespace Distributed.Tests.Tracing;

/// <summary>
/// A point on a latency chart leads to a trace: the histograms' buckets carry, as OpenMetrics
/// exemplars, the trace id of a task observed in them, and that trace is the task's whole story.
/// </summary>
[Collection(TracedProcessesCollection.Name)]
public sealed partial class ExemplarTests(TracedProcesses topology)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("aggregator", "task_end_to_end_seconds_bucket")]
    [InlineData("processor-1", "processing_duration_seconds_bucket")]
    public async Task A_latency_bucket_carries_the_trace_id_of_a_task_observed_in_it(string service, string bucketSeries)
    {
        var taskType = "exemplar" + Guid.NewGuid().ToString("N")[..6];
        var tasks = new List<ApiClient.Accepted>();
        for (var i = 0; i < 10; i++)
        {
            tasks.Add(await topology.Gateway.SubmitAsync(taskType, $$"""{"n":{{i}}}"""));
        }

        foreach (var task in tasks)
        {
            await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(task.RequestId), r => r is not null, Deadline, $"task {task.RequestId} stored");
        }

        var ours = tasks.Select(task => task.TraceId).ToHashSet();
        var exemplar = await Eventually.MatchAsync(
            async () => Exemplars(await OpenMetricsAsync(service), bucketSeries).FirstOrDefault(e => ours.Contains(e.TraceId)),
            found => found is not null,
            Deadline,
            $"a {bucketSeries} exemplar from one of our tasks' traces on {service}");

        // The observation lies in the bucket that shows it.
        Assert.InRange(exemplar!.Value, 0, exemplar.UpperBound);
        // And its trace is the task's: from the client's request to the stored result.
        await Eventually.MatchAsync(
            () => Task.FromResult(topology.Traces.Spans.Where(s => s.TraceId == exemplar.TraceId).Select(s => s.Name).ToHashSet()),
            names => names.Contains("POST /tasks") && names.Contains("stored result"),
            Deadline,
            $"trace {exemplar.TraceId} from POST /tasks to its stored result");
    }

    private async Task<string> OpenMetricsAsync(string service)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(topology.HealthUrl(service), "/metrics"));
        // What Prometheus asks for first; exemplars exist only in this format.
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text; version=1.0.0"));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private sealed record Exemplar(string TraceId, double Value, double UpperBound);

    private static IEnumerable<Exemplar> Exemplars(string metrics, string bucketSeries) =>
        ExemplarLine().Matches(metrics)
            .Where(m => m.Groups["series"].Value == bucketSeries)
            .Select(m => new Exemplar(
                m.Groups["trace"].Value,
                double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture),
                m.Groups["le"].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups["le"].Value, CultureInfo.InvariantCulture)));

    // name{labels,le="0.05"} count # {trace_id="…",span_id="…"} value timestamp
    [GeneratedRegex("""^(?<series>\w+)\{[^}]*le="(?<le>[^"]+)"[^}]*\} \S+ # \{[^}]*trace_id="(?<trace>[0-9a-f]{32})"[^}]*\} (?<value>\S+)""", RegexOptions.Multiline)]
    private static partial Regex ExemplarLine();
}
