using System.Text;
using System.Text.RegularExpressions;

namespace Distributed.Tests.Integration;

/// <summary>Clients choose task types and HTTP methods; they must not choose how many series Prometheus stores.</summary>
[Collection(AppHostCollection.Name)]
public sealed partial class MetricCardinalityTests(AppHostFixture topology)
{
    [Fact]
    public async Task A_thousand_random_task_types_and_methods_add_no_series()
    {
        var prefix = "card" + Guid.NewGuid().ToString("N")[..6];
        // A few at a time: the gateway answers more than GATEWAY_MAX_CONCURRENT_REQUESTS at once with 503s.
        using var slots = new SemaphoreSlim(32);
        var sent = Enumerable.Range(0, 1000).Select(async i =>
        {
            await slots.WaitAsync();
            try
            {
                using var content = new StringContent($$"""{"task_type":"{{prefix}}{{i}}","data":{{i}}}""", Encoding.UTF8, "application/json");
                using var request = new HttpRequestMessage(new HttpMethod(i % 2 == 0 ? "POST" : $"M{prefix}{i}".ToUpperInvariant()), new Uri("/tasks", UriKind.Relative))
                {
                    Content = content,
                };
                using var response = await topology.Gateway.SendAsync(request);
                return (int)response.StatusCode;
            }
            finally
            {
                slots.Release();
            }
        });
        var statuses = await Task.WhenAll(sent);
        Assert.Equal(500, statuses.Count(s => s == 202));
        Assert.Equal(500, statuses.Count(s => s == 405));

        using var gateway = topology.CreateClient("gateway");
        var metrics = await gateway.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.DoesNotContain(prefix, metrics, StringComparison.OrdinalIgnoreCase);
        var methods = MethodLabel().Matches(metrics).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Contains("_OTHER", methods);
        Assert.Subset(new HashSet<string> { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER" }, methods);
        Assert.Matches("nats_messages_published_total\\{[^}]*subject=\"tasks\\.\\*\"", metrics);

        using var processor = topology.CreateClient("processor");
        var processorMetrics = await Eventually.MatchAsync(
            () => processor.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            text => Regex.IsMatch(text, "nats_messages_received_total\\{[^}]*subject=\"tasks\\.\\*\""),
            TimeSpan.FromSeconds(30),
            "processor counts received tasks under tasks.*");
        Assert.DoesNotContain(prefix, processorMetrics, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("^http_requests_total\\{[^}]*method=\"([^\"]*)\"", RegexOptions.Multiline)]
    private static partial Regex MethodLabel();
}
