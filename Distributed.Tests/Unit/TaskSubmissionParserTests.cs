using System.Text;
using Distributed.Gateway;

namespace Distributed.Tests.Unit;

public sealed class TaskSubmissionParserTests
{
    private static (bool Ok, TaskSubmission? Submission, SubmissionError? Error) Parse(string body)
    {
        var ok = TaskSubmissionParser.TryParse(Encoding.UTF8.GetBytes(body), out var submission, out var error);
        return (ok, submission, error);
    }

    [Fact]
    public void Accepts_a_task_and_keeps_its_data()
    {
        var (ok, submission, _) = Parse("""{"task_type":"compute","data":{"value":42}}""");

        Assert.True(ok);
        Assert.Equal("compute", submission!.TaskType);
        Assert.Equal(42, submission.Data.GetProperty("value").GetInt32());
    }

    [Fact]
    public void Accepts_null_data_and_ignores_unknown_fields()
    {
        var (ok, submission, _) = Parse("""{"task_type":"a-b_C9","data":null,"extra":[1,2]}""");

        Assert.True(ok);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, submission!.Data.ValueKind);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("""{"task_type":"a","data":1,"task_type":"b"}""")]
    public void Refuses_what_is_not_json_with_400(string body)
    {
        var (ok, _, error) = Parse(body);

        Assert.False(ok);
        Assert.Equal(400, error!.StatusCode);
    }

    [Theory]
    [InlineData("""{"data":1}""", "'task_type' is required")]
    [InlineData("""{"task_type":5,"data":1}""", "must be a string")]
    [InlineData("""{"task_type":null,"data":1}""", "must be a string")]
    [InlineData("""{"task_type":"compute"}""", "'data' is required")]
    [InlineData("""[1,2]""", "must be a JSON object")]
    [InlineData("""{"task_type":"","data":1}""", "1-64 characters")]
    [InlineData("""{"task_type":"a.b","data":1}""", "1-64 characters")]
    [InlineData("""{"task_type":"a b","data":1}""", "1-64 characters")]
    [InlineData("""{"task_type":"*","data":1}""", "1-64 characters")]
    [InlineData("""{"task_type":">","data":1}""", "1-64 characters")]
    [InlineData("""{"task_type":"é","data":1}""", "1-64 characters")]
    public void Refuses_the_wrong_shape_with_422_and_says_why(string body, string reason)
    {
        var (ok, _, error) = Parse(body);

        Assert.False(ok);
        Assert.Equal(422, error!.StatusCode);
        Assert.Contains(reason, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_type_length_is_bounded_at_64()
    {
        Assert.True(Parse($$"""{"task_type":"{{new string('a', 64)}}","data":1}""").Ok);
        Assert.Equal(422, Parse($$"""{"task_type":"{{new string('a', 65)}}","data":1}""").Error!.StatusCode);
    }
}

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
