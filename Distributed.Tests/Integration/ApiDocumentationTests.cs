using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Distributed.Tests.Integration;

/// <summary>
/// The OpenAPI documents the gateway and the query API serve, held to the contract (docs/contract.md:
/// every operation with every status code it names, errors as problem+json) and to the services
/// themselves: each documented operation, called, answers with a status its document lists.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ApiDocumentationTests(AppHostFixture topology)
{
    private const string Problem = "application/problem+json";

    public static TheoryData<string, string, string, int[]> Operations => new()
    {
        { "gateway", "post", "/tasks", [202, 400, 408, 413, 415, 422, 429, 503] },
        { "aggregator", "get", "/results", [200, 400, 503] },
        { "aggregator", "get", "/results/{request_id}", [200, 400, 404, 503] },
        { "aggregator", "get", "/stats", [200, 503] },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Each_operation_is_documented_with_every_status_of_the_contract(string service, string method, string path, int[] statuses)
    {
        var document = await DocumentAsync(service);
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        var responses = operation.GetProperty("responses").EnumerateObject().ToDictionary(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture), r => r.Value);

        Assert.Equal(statuses, responses.Keys.Order());
        foreach (var (status, response) in responses.Where(r => r.Key >= 400))
        {
            Assert.True(response.TryGetProperty("content", out var content) && content.TryGetProperty(Problem, out _), $"{method} {path} {status} is not documented as {Problem}");
        }
    }

    [Fact]
    public async Task The_documents_hold_exactly_the_contracts_operations()
    {
        var documented = new List<string>();
        foreach (var service in new[] { "gateway", "aggregator" })
        {
            var document = await DocumentAsync(service);
            documented.AddRange(document.GetProperty("paths").EnumerateObject()
                .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{service} {operation.Name} {path.Name}")));
        }

        Assert.Equal(Operations.Select(row => $"{row[0]} {row[1]} {row[2]}").Order(), documented.Order());
    }

    [Fact]
    public async Task The_task_body_and_the_idempotency_key_are_documented()
    {
        var operation = (await DocumentAsync("gateway")).GetProperty("paths").GetProperty("/tasks").GetProperty("post");

        var body = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var schema = body.TryGetProperty("$ref", out var reference)
            ? (await DocumentAsync("gateway")).GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
            : body;
        Assert.True(schema.GetProperty("properties").TryGetProperty("task_type", out _), schema.ToString());
        Assert.True(schema.GetProperty("properties").TryGetProperty("data", out _), schema.ToString());
        Assert.Contains(operation.GetProperty("parameters").EnumerateArray(),
            parameter => parameter.GetProperty("name").GetString() == "Idempotency-Key" && parameter.GetProperty("in").GetString() == "header");
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Each_documented_operation_answers_with_a_documented_status(string service, string method, string path, int[] statuses)
    {
        var client = service == "gateway" ? topology.Gateway : topology.Aggregator;
        var target = new Uri(path.Replace("{request_id}", Guid.NewGuid().ToString(), StringComparison.Ordinal), UriKind.Relative);
        HttpRequestMessage Request() => new(new HttpMethod(method.ToUpperInvariant()), target)
        {
            Content = method == "post" ? new StringContent("""{"task_type":"documented","data":1}""", Encoding.UTF8, "application/json") : null,
        };

        using var response = await Eventually.MatchAsync(() => client.SendAsync(Request()),
            answer => answer.StatusCode != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), $"{method} {path} to answer");

        Assert.Contains((int)response.StatusCode, statuses);
    }

    private async Task<JsonElement> DocumentAsync(string service)
    {
        var client = service == "gateway" ? topology.Gateway : topology.Aggregator;
        return await client.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));
    }
}
