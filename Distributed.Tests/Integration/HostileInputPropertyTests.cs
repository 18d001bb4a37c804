using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using Distributed.Contracts;

namespace Distributed.Tests.Integration;

/// <summary>
/// Random bodies, task types, sizes and query strings thrown at the real services: every answer is
/// one of the contract's codes with problem+json for errors — never a 500 — and what is accepted is
/// well-formed and gets stored.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class HostileInputPropertyTests(AppHostFixture topology)
{
    private static readonly Gen<string> TaskTypes = Gen.Frequency(
        (2, Gen.String[Gen.Char["abcXYZ019_-"], 1, 64]),
        (2, Gen.String[Gen.Char["abcXYZ019_-. *>é\"\\\t"], 0, 70]),
        (1, Gen.String));

    /// <summary>JSON string literals a careless pipeline chokes on: escapes PostgreSQL refuses, lone surrogates, controls.</summary>
    private static readonly Gen<string> HostileStrings = Gen.Select(
        Gen.String[Gen.Char["ab<>&é"], 0, 8],
        Gen.Int[0, 7],
        (text, kind) => "\"" + text + kind switch
        {
            0 => "\\u0000",
            1 => "\\ud800",
            2 => "\\udc00",
            3 => "\\ud83d\\ude00",
            4 => "\\u0001\\u001f\\t\\n",
            5 => "\\\\u0000",
            6 => "\\ud800\\u0041",
            _ => "\\\"",
        } + text + "\"");

    /// <summary>Numbers at and past what PostgreSQL's numeric holds.</summary>
    private static readonly Gen<string> HostileNumbers = Gen.OneOf(
        Gen.Const("-0"),
        Gen.Const("1e400"),
        Gen.Const("1e131071"),
        Gen.Const("1e131072"),
        Gen.Const("1e-16383"),
        Gen.Const("1e-16384"),
        Gen.Const("1e1000000"),
        Gen.Const("-1.5E+2"),
        Gen.Int[1, 400].Select(n => new string('9', n)),
        Gen.Int[-20_000, 140_000].Select(e => "1e" + e.ToString(CultureInfo.InvariantCulture)));

    private static readonly Gen<string> JsonValues = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
        Gen.String.Select(s => JsonSerializer.Serialize(s)),
        HostileStrings,
        HostileNumbers,
        // Nesting around the accepted limit, and objects with keys that repeat or hold escapes.
        Gen.Int[55, 70].Select(depth => new string('[', depth) + new string(']', depth)),
        Gen.Select(HostileStrings, Gen.Bool, (key, repeat) => "{\"o\":{" + key + ":1" + (repeat ? "," + key + ":2" : string.Empty) + "}}"),
        Gen.Const("null"),
        Gen.Const("true"),
        Gen.Const("""{"nested":{"a":[1,2,{"b":null}]}}"""),
        Gen.Const("[]"));

    private static readonly Gen<string> Bodies = Gen.Frequency(
        // Object-shaped bodies: task_type as a string or another JSON value, data present or not, extra fields.
        (4, Gen.Select(TaskTypes, JsonValues, Gen.Int[0, 3], Gen.Bool, Gen.Bool, (taskType, value, typeShape, hasData, extra) =>
            "{\"task_type\":" + (typeShape > 0 ? JsonSerializer.Serialize(taskType) : value)
            + (hasData ? ",\"data\":" + value : string.Empty)
            + (extra ? ",\"x\":" + value : string.Empty) + "}")),
        // Anything at all, and JSON that is cut short.
        (1, Gen.String),
        (1, JsonValues),
        (1, Gen.Select(TaskTypes, Gen.Int[0, 30], (taskType, cut) =>
        {
            var whole = "{\"task_type\":" + JsonSerializer.Serialize(taskType) + ",\"data\":{\"v\":[1,2,3]}}";
            return whole[..Math.Min(cut, whole.Length)];
        })));

    private static readonly Gen<string?> ContentTypes = Gen.Frequency(
        (4, Gen.Const<string?>("application/json")),
        (1, Gen.Const<string?>("application/json; charset=utf-8")),
        (1, Gen.Const<string?>("application/problem+json")),
        (1, Gen.Const<string?>("text/plain")),
        (1, Gen.Const<string?>("application/xml")),
        (1, Gen.Const((string?)null)));

    [Fact]
    public async Task Random_task_submissions_get_only_spec_answers_and_only_valid_tasks_are_accepted()
    {
        var accepted = new ConcurrentDictionary<Guid, (string TaskType, string Data)>();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();

        await Gen.Select(Bodies, ContentTypes).SampleAsync(async (body, contentType) =>
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            using var response = await topology.Gateway.PostAsync(new Uri("/tasks", UriKind.Relative), content);
            statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.UnprocessableEntity });
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                // Accepted only what the contract allows: a JSON object with a valid task type and a data field.
                using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
                var taskType = document.RootElement.GetProperty("task_type").GetString();
                Assert.True(TaskTypeRule.IsValid(taskType), $"accepted task_type '{taskType}'");
                Assert.True(document.RootElement.TryGetProperty("data", out var data));
                var requestId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetGuid();
                accepted[requestId] = (taskType!, data.GetRawText());
            }
            else
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }, iter: 400, threads: 4);

        // The generators reach every answer, so the property was tested on each of them.
        Assert.All(new[] { HttpStatusCode.Accepted, HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.UnprocessableEntity },
            status => Assert.True(statuses.GetValueOrDefault(status) > 0, $"no {status} seen"));

        // Every 202 is stored, as the same JSON value, and soon: nothing accepted was held back.
        foreach (var (requestId, (taskType, data)) in accepted)
        {
            var row = await Eventually.MatchAsync(() => topology.Aggregator.FindResultAsync(requestId), r => r is not null, TimeSpan.FromSeconds(30), $"task {requestId}");
            Assert.Equal(taskType, row!.Value.GetProperty("task_type").GetString());
            using var sent = JsonDocument.Parse(data, new JsonDocumentOptions { MaxDepth = 256 });
            Assert.True(JsonElement.DeepEquals(sent.RootElement, row.Value.GetProperty("payload")), $"task {requestId}: sent {data}, stored {row.Value.GetProperty("payload").GetRawText()}");
        }
    }

    [Fact]
    public async Task Random_body_sizes_around_the_limit_are_accepted_or_413_exactly_at_one_mebibyte()
    {
        const int limit = 1024 * 1024;
        var envelope = """{"task_type":"size","data":""}""".Length;
        // Characters a serializer would escape six-fold among them: the limit is the body's size, not its re-encoding's.
        await Gen.Select(Gen.Int[limit - 2048, limit + 2048], Gen.Char["x<>&'"]).SampleAsync(async (size, fill) =>
        {
            var body = "{\"task_type\":\"size\",\"data\":\"" + new string(fill, size - envelope) + "\"}";
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.ExpectContinue = true;
            using var response = await topology.Gateway.SendAsync(request);

            Assert.Equal(size <= limit ? HttpStatusCode.Accepted : HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }, iter: 24, threads: 2);
    }

    [Fact]
    public async Task Random_results_queries_get_200_with_bounded_rows_or_a_400_problem()
    {
        var limits = Gen.OneOf(
            Gen.Int[-5, 1100].Select(i => i.ToString(CultureInfo.InvariantCulture)),
            Gen.String[Gen.Char["0123456789-+. xe"], 0, 12],
            Gen.String);
        var taskTypes = Gen.OneOf(TaskTypes, Gen.Const("compute"));

        await Gen.Select(limits, taskTypes, Gen.Bool, Gen.Bool).SampleAsync(async (limit, taskType, withLimit, withType) =>
        {
            var query = new List<string>();
            if (withLimit)
            {
                query.Add("limit=" + Uri.EscapeDataString(limit));
            }

            if (withType)
            {
                query.Add("task_type=" + Uri.EscapeDataString(taskType));
            }

            using var response = await topology.Aggregator.GetAsync(new Uri("/results?" + string.Join('&', query), UriKind.Relative));
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.BadRequest });
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var rows = await response.Content.ReadFromJsonAsync<JsonElement[]>();
                var bound = withLimit ? int.Parse(limit, CultureInfo.InvariantCulture) : 50;
                Assert.InRange(rows!.Length, 0, bound);
                Assert.InRange(bound, 1, 1000);
            }
            else
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }, iter: 300, threads: 4);
    }
}
