using Distributed.Aggregator.Api;

namespace Distributed.Tests.Unit;

public sealed class ResultQueryTests
{
    [Fact]
    public void Limit_defaults_to_50()
    {
        Assert.True(ResultQuery.TryParse(null, null, out var query, out _));
        Assert.Equal(50, query!.Limit);
        Assert.Null(query.TaskType);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("1000", 1000)]
    public void Limit_accepts_1_to_1000(string limit, int expected)
    {
        Assert.True(ResultQuery.TryParse("compute", limit, out var query, out _));
        Assert.Equal(expected, query!.Limit);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1001")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData(" 5")]
    [InlineData("5.0")]
    [InlineData("99999999999999999999")]
    public void Limit_outside_1_to_1000_is_refused(string limit)
    {
        Assert.False(ResultQuery.TryParse(null, limit, out _, out var error));
        Assert.Contains("'limit'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_type_filter_follows_the_subject_rule()
    {
        Assert.False(ResultQuery.TryParse("a.b", null, out _, out var error));
        Assert.Contains("'task_type'", error, StringComparison.Ordinal);
    }
}
