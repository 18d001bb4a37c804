using Distributed.Aggregator.Api;

namespace Distributed.Tests.Unit;

public sealed class ResultQueryTests
{
    [Fact]
    public void Limit_defaults_to_50()
    {
        Assert.True(ResultQuery.TryParse(null, null, null, out var query, out _));
        Assert.Equal(50, query!.Limit);
        Assert.Null(query.TaskType);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("1000", 1000)]
    public void Limit_accepts_1_to_1000(string limit, int expected)
    {
        Assert.True(ResultQuery.TryParse("compute", limit, null, out var query, out _));
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
        Assert.False(ResultQuery.TryParse(null, limit, null, out _, out var error));
        Assert.Contains("'limit'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_type_filter_follows_the_subject_rule()
    {
        Assert.False(ResultQuery.TryParse("a.b", null, null, out _, out var error));
        Assert.Contains("'task_type'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("")]
    [InlineData("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}")]
    [InlineData("3f2504e04f8911d39a0c0305e82c3301")]
    public void Cursor_must_be_a_row_id(string before)
    {
        Assert.False(ResultQuery.TryParse(null, null, before, out _, out var error));
        Assert.Contains("'before'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_page_keeps_the_filter_and_the_page_size()
    {
        Assert.True(ResultQuery.TryParse("compute", "20", null, out var query, out _));
        var last = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301");

        Assert.Equal("?limit=20&before=3f2504e0-4f89-11d3-9a0c-0305e82c3301&task_type=compute", query!.NextPage(last));
        Assert.True(ResultQuery.TryParse(null, null, last.ToString(), out var unfiltered, out _));
        Assert.Equal(last, unfiltered!.Before);
        Assert.Equal("?limit=50&before=3f2504e0-4f89-11d3-9a0c-0305e82c3301", unfiltered.NextPage(last));
    }
}
