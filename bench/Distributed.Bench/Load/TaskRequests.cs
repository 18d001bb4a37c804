using System.Net.Http.Headers;
using System.Text;

namespace Distributed.Bench.Load;

/// <summary>The body every load mode sends: a small task, numbered so each one is distinct.</summary>
public static class TaskRequests
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static HttpClient CreateClient(LoadOptions options, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = options.Target, Timeout = options.Timeout };
    }

    public static async Task<int> SendAsync(HttpClient client, string taskType, long sequence)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(
            $$$"""{"task_type":"{{{taskType}}}","data":{"seq":{{{sequence}}},"value":42}}"""));
        content.Headers.ContentType = Json;
        using var response = await client.PostAsync(new Uri("/tasks", UriKind.Relative), content);
        return (int)response.StatusCode;
    }

    public static bool IsTransportFailure(Exception ex) => ex is HttpRequestException or TaskCanceledException;
}
