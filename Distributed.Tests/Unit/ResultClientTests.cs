using Distributed.Aggregator.Ingestion;
using Distributed.Contracts;
using NATS.Client.Core;

namespace Distributed.Tests.Unit;

/// <summary>Whose a result is, as the aggregator reads it from the message: a header it cannot store as a client is the result's problem, dead-lettered with its reason.</summary>
public sealed class ResultClientTests
{
    [Fact]
    public void A_result_without_a_client_header_is_the_anonymous_clients()
    {
        Assert.True(ResultMapping.TryGetClient(null, out var client, out _));
        Assert.Equal(ClientIdRule.Anonymous, client);
        Assert.True(ResultMapping.TryGetClient(new NatsHeaders(), out client, out _));
        Assert.Equal(ClientIdRule.Anonymous, client);
    }

    [Fact]
    public void A_result_keeps_the_client_its_task_was_sent_by()
    {
        Assert.True(ResultMapping.TryGetClient(new NatsHeaders { [MessageHeaders.Client] = "alice@example.org" }, out var client, out _));
        Assert.Equal("alice@example.org", client);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ünïcode")]
    public void A_client_header_that_names_no_client_is_a_reason_to_dead_letter(string value)
    {
        Assert.False(ResultMapping.TryGetClient(new NatsHeaders { [MessageHeaders.Client] = value }, out _, out var problem));
        Assert.Contains(MessageHeaders.Client, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_client_headers_name_no_one_client()
    {
        var headers = new NatsHeaders { [MessageHeaders.Client] = new Microsoft.Extensions.Primitives.StringValues(["alice", "bob"]) };
        Assert.False(ResultMapping.TryGetClient(headers, out _, out _));
        Assert.False(ClientIdRule.IsValid(new string('a', ClientIdRule.MaxLength + 1)));
    }
}
