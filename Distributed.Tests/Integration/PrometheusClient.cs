using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Distributed.Tests.Integration;

/// <summary>Asks the AppHost's Prometheus, which scrapes every replica, for one number.</summary>
public sealed class PrometheusClient(int port = AppHostFixture.PrometheusPort) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

    /// <summary>The query's first value, or 0 when it has no series.</summary>
    public async Task<double> ScalarAsync(string query)
    {
        var answer = await _http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
        var result = answer.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0
            ? 0
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    public Task<JsonElement> GetAsync(string pathAndQuery) =>
        _http.GetFromJsonAsync<JsonElement>(new Uri(pathAndQuery, UriKind.Relative));

    public void Dispose() => _http.Dispose();
}
