namespace Distributed.Tests.Unit;

public sealed class IdempotencyKeyTests
{
    [Fact]
    public void The_same_key_and_body_always_give_the_same_request_id_and_a_different_key_or_body_another()
    {
        var first = Gateway.IdempotencyKey.ToRequestId("", "order-42", "{\"data\":1}"u8);

        Assert.Equal(first, Gateway.IdempotencyKey.ToRequestId("", "order-42", "{\"data\":1}"u8));
        Assert.NotEqual(first, Gateway.IdempotencyKey.ToRequestId("", "order-43", "{\"data\":1}"u8));
        Assert.NotEqual(first, Gateway.IdempotencyKey.ToRequestId("", "order-42", "{\"data\":2}"u8));
        Assert.Equal(8, first.Version);
        // Where the key's body is remembered depends on the key alone.
        Assert.Equal(Gateway.IdempotencyKey.ToKeyId("", "order-42"), Gateway.IdempotencyKey.ToKeyId("", "order-42"));
        Assert.NotEqual(Gateway.IdempotencyKey.ToKeyId("", "order-42"), Gateway.IdempotencyKey.ToKeyId("", "order-43"));
    }

    [Fact]
    public void A_key_is_its_clients_own()
    {
        var body = "{\"data\":1}"u8.ToArray();

        Assert.NotEqual(Gateway.IdempotencyKey.ToKeyId("alice", "order-42"), Gateway.IdempotencyKey.ToKeyId("bob", "order-42"));
        Assert.NotEqual(Gateway.IdempotencyKey.ToRequestId("alice", "order-42", body), Gateway.IdempotencyKey.ToRequestId("bob", "order-42", body));
        // No client and key can pass for another pair by moving characters across the boundary.
        Assert.NotEqual(Gateway.IdempotencyKey.ToKeyId("ab", "c"), Gateway.IdempotencyKey.ToKeyId("a", "bc"));
        Assert.NotEqual(Gateway.IdempotencyKey.ToKeyId("", "alice"), Gateway.IdempotencyKey.ToKeyId("alice", ""));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("ünïcode", false)]
    [InlineData("a-b_c.1:2", true)]
    public void Keys_are_printable_ascii(string key, bool valid)
    {
        Assert.Equal(valid, Gateway.IdempotencyKey.IsValid(key));
    }
}
