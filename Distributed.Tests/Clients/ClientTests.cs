using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Distributed.ServiceDefaults.Http;
using Distributed.Tests.Integration;

namespace Distributed.Tests.Clients;

/// <summary>
/// Clients of the AppHost's topology with authentication on: who may call what (401, 403), and
/// that each client sends, reads, keys and spends its own: its results and stats only, its
/// Idempotency-Keys only, its rate only. Every test uses clients of its own, so none sees
/// another's tasks or limit.
/// </summary>
public sealed class ClientTests(ClientsFixture topology) : IClassFixture<ClientsFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_submission_without_a_token_or_with_a_forged_one_is_401_problem_with_www_authenticate()
    {
        using (var anonymous = await topology.Gateway.PostTaskAsync("auth", 1))
        {
            await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var forged = await Bearer(topology.Token(NewClient(), ApiScopes.TasksWrite, RandomNumberGenerator.GetBytes(32))).PostTaskAsync("auth", 1);
        await AssertProblemAsync(forged, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", forged.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_without_the_scope_or_without_a_client_is_403()
    {
        using (var reader = await Bearer(topology.Token(NewClient(), ApiScopes.ResultsRead)).PostTaskAsync("auth", 1))
        {
            await AssertProblemAsync(reader, HttpStatusCode.Forbidden);
            Assert.Contains("insufficient_scope", reader.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using (var nobody = await Bearer(topology.Token(null, ApiScopes.TasksWrite)).PostTaskAsync("auth", 1))
        {
            await AssertProblemAsync(nobody, HttpStatusCode.Forbidden);
        }

        foreach (var path in new[] { "/results", "/results/00000000-0000-0000-0000-000000000001", "/stats" })
        {
            using var anonymous = await topology.Aggregator.GetAsync(new Uri(path, UriKind.Relative));
            await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
            using var writer = await GetAsync(topology.Token(NewClient(), ApiScopes.TasksWrite), path);
            await AssertProblemAsync(writer, HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task Each_client_sees_only_its_own_results_and_stats_and_another_clients_id_is_404()
    {
        var taskType = "owned" + Guid.NewGuid().ToString("N")[..6];
        using var alice = topology.ClientFor(NewClient());
        using var bob = topology.ClientFor(NewClient());
        var alices = await SubmitStoredAsync(alice, taskType, 3);
        var bobs = await SubmitStoredAsync(bob, taskType, 2);

        Assert.Equal(alices.Order(), (await ListAsync(alice, $"/results?task_type={taskType}")).Order());
        Assert.Equal(bobs.Order(), (await ListAsync(bob, $"/results?task_type={taskType}")).Order());
        // Newest first across all types: still only the client's own.
        Assert.Equal(alices.Order(), (await ListAsync(alice, "/results?limit=1000")).Order());

        using (var theirs = await bob.Query.GetAsync(new Uri($"/results/{alices[0]}", UriKind.Relative)))
        {
            await AssertProblemAsync(theirs, HttpStatusCode.NotFound);
        }

        Assert.Equal(3, await StoredOfTypeAsync(alice, taskType));
        Assert.Equal(2, await StoredOfTypeAsync(bob, taskType));
    }

    [Fact]
    public async Task Paging_follows_only_the_clients_own_rows_and_another_clients_row_is_no_cursor()
    {
        var taskType = "paged" + Guid.NewGuid().ToString("N")[..6];
        using var alice = topology.ClientFor(NewClient());
        using var bob = topology.ClientFor(NewClient());
        var alices = await SubmitStoredAsync(alice, taskType, 3);
        await SubmitStoredAsync(bob, taskType, 2);

        var seen = new List<Guid>();
        var next = $"/results?limit=1&task_type={taskType}";
        while (next is not null)
        {
            using var page = await alice.Query.GetAsync(new Uri(next, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            seen.AddRange((await page.Content.ReadFromJsonAsync<JsonElement[]>())!.Select(row => row.GetProperty("request_id").GetGuid()));
            next = page.Headers.TryGetValues("Link", out var links) ? links.Single().Split('<', '>')[1] : null;
        }

        Assert.Equal(alices.Order(), seen.Order());

        // A row id of Bob's, as Alice's cursor, names nothing of hers.
        var bobsRowId = (await RowsAsync(bob, $"/results?task_type={taskType}"))[0].GetProperty("id").GetGuid();
        using var probe = await alice.Query.GetAsync(new Uri($"/results?before={bobsRowId}", UriKind.Relative));
        await AssertProblemAsync(probe, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_idempotency_key_is_its_clients_own()
    {
        var taskType = "keyed" + Guid.NewGuid().ToString("N")[..6];
        var key = "order-" + Guid.NewGuid().ToString("N");
        using var alice = topology.ClientFor(NewClient());
        using var bob = topology.ClientFor(NewClient());

        var alicesTask = await AcceptedAsync(await alice.Gateway.PostTaskAsync(taskType, 1, key));
        // The same key with another body, from another client: a task of Bob's, not a 422 for reusing Alice's key.
        var bobsTask = await AcceptedAsync(await bob.Gateway.PostTaskAsync(taskType, 2, key));
        // And the same key and body from Bob as Alice sent: still Bob's own task, not an answer with Alice's id.
        var bobsSecond = await AcceptedAsync(await bob.Gateway.PostTaskAsync(taskType + "b", 1, key + "-2"));
        var alicesRetry = await AcceptedAsync(await alice.Gateway.PostTaskAsync(taskType, 1, key));

        Assert.Equal(alicesTask, alicesRetry);
        Assert.NotEqual(alicesTask, bobsTask);
        using (var reused = await alice.Gateway.PostTaskAsync(taskType, 3, key))
        {
            // Alice's key still holds her own body.
            await AssertProblemAsync(reused, HttpStatusCode.UnprocessableEntity);
        }

        using var sameKeyAndBody = await bob.Gateway.PostTaskAsync(taskType, 1, key + "-shared");
        var bobsShared = await AcceptedAsync(sameKeyAndBody);
        var alicesShared = await AcceptedAsync(await alice.Gateway.PostTaskAsync(taskType, 1, key + "-shared"));
        Assert.NotEqual(bobsShared, alicesShared);

        await alice.Query.WaitUntilStoredAsync(taskType, [alicesTask, alicesShared], Deadline);
        await bob.Query.WaitUntilStoredAsync(taskType, [bobsTask, bobsShared], Deadline);
        await bob.Query.WaitUntilStoredAsync(taskType + "b", [bobsSecond], Deadline);
        Assert.Equal(2, await StoredOfTypeAsync(alice, taskType));
        Assert.Equal(2, await StoredOfTypeAsync(bob, taskType));
    }

    [Fact]
    public async Task A_client_over_its_limit_gets_429_with_retry_after_while_another_clients_tasks_are_all_accepted_and_stored()
    {
        var taskType = "limited" + Guid.NewGuid().ToString("N")[..6];
        using var flooder = topology.ClientFor(NewClient());
        using var neighbour = topology.ClientFor(NewClient());

        // Four bursts' worth at once: the flooder's bucket empties, and most are refused.
        var flood = await Task.WhenAll(Enumerable.Range(0, 4 * ClientsFixture.TaskBurst).Select(i => flooder.Gateway.PostTaskAsync(taskType, i)));
        var refused = flood.Where(response => response.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.True(flood.Count(response => response.StatusCode == HttpStatusCode.Accepted) <= ClientsFixture.TaskBurst + ClientsFixture.TasksPerSecond);
        foreach (var response in refused)
        {
            await AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        }

        // Meanwhile, with the flooder's bucket empty, the neighbour's tasks are every one accepted.
        var neighbours = new List<Guid>();
        for (var i = 0; i < ClientsFixture.TaskBurst; i++)
        {
            neighbours.Add(await AcceptedAsync(await neighbour.Gateway.PostTaskAsync(taskType, i)));
        }

        foreach (var response in flood)
        {
            response.Dispose();
        }

        await neighbour.Query.WaitUntilStoredAsync(taskType, neighbours, Deadline);

        Assert.Equal(neighbours.Count, await StoredOfTypeAsync(neighbour, taskType));
    }

    [Fact]
    public async Task The_api_documents_carry_the_bearer_scheme_and_each_operations_scope()
    {
        foreach (var (api, path, scope) in new[] { (topology.Gateway, "/tasks", ApiScopes.TasksWrite), (topology.Aggregator, "/results", ApiScopes.ResultsRead) })
        {
            using var document = JsonDocument.Parse(await api.GetStringAsync(new Uri(ApiDocumentation.DocumentPath, UriKind.Relative)));
            var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty(ApiDocumentation.BearerScheme);
            Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
            var operation = document.RootElement.GetProperty("paths").GetProperty(path).EnumerateObject().Single().Value;
            var requirement = operation.GetProperty("security").EnumerateArray().Single();
            Assert.Equal([scope], requirement.GetProperty(ApiDocumentation.BearerScheme).EnumerateArray().Select(s => s.GetString()));
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
            Assert.True(operation.GetProperty("responses").TryGetProperty("403", out _));
        }
    }

    private static string NewClient() => "client-" + Guid.NewGuid().ToString("N")[..12];

    private HttpClient Bearer(string token)
    {
        var http = new HttpClient { BaseAddress = topology.Gateway.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private async Task<HttpResponseMessage> GetAsync(string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await topology.Aggregator.SendAsync(request);
    }

    private static async Task<Guid> AcceptedAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.GetProperty("request_id").GetGuid();
        }
    }

    private static async Task<List<Guid>> SubmitStoredAsync(ClientSession client, string taskType, int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await AcceptedAsync(await client.Gateway.PostTaskAsync(taskType, i)));
        }

        await client.Query.WaitUntilStoredAsync(taskType, ids, Deadline);

        return ids;
    }

    private static async Task<JsonElement[]> RowsAsync(ClientSession client, string path)
    {
        using var response = await client.Query.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement[]>())!;
    }

    private static async Task<List<Guid>> ListAsync(ClientSession client, string path) =>
        [.. (await RowsAsync(client, path)).Select(row => row.GetProperty("request_id").GetGuid())];

    private static async Task<long> StoredOfTypeAsync(ClientSession client, string taskType) =>
        (await client.Query.StatsAsync()).CountFor(taskType);

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":" + (int)status, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
