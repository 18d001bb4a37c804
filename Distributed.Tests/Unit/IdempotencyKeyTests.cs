namespace Distributed.Tests.Unit;

public sealed class IdempotencyKeyTests
{
    [Fact]
    public void The_same_key_always_gives_the_same_request_id_and_different_keys_differ()
    {
        var first = Gateway.IdempotencyKey.ToRequestId("order-42");

        Assert.Equal(first, Gateway.IdempotencyKey.ToRequestId("order-42"));
        Assert.NotEqual(first, Gateway.IdempotencyKey.ToRequestId("order-43"));
        Assert.Equal(8, first.Version);
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
