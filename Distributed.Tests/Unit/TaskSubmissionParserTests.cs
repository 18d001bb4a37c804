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
        Assert.Equal("""{"value":42}""", submission.Data.ToString());
    }

    [Fact]
    public void Accepts_null_data_and_ignores_unknown_fields()
    {
        var (ok, submission, _) = Parse("""{"task_type":"a-b_C9","data":null,"extra":[1,2]}""");

        Assert.True(ok);
        Assert.Equal("null", submission!.Data.ToString());
    }

    [Theory]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("""{"task_type":"a","data":1,"task_type":"b"}""")]
    [InlineData("""{"task_type":"a","data":{"x":{"k":1,"k":2}}}""")]
    [InlineData("""{"task_type":"a","data":1} trailing""")]
    [InlineData("""{"task_type":"a","data":"\ud800"}""")]
    [InlineData("""{"task_type":"a","data":"\udc00\ud800"}""")]
    [InlineData("""{"task_type":"a","data":"\ud800x"}""")]
    [InlineData("""{"task_type":"a","data":{"\ud800":1}}""")]
    [InlineData("""{"task_type":"\ud800","data":1}""")]
    [InlineData("""{"task_type":"a","extra":"\udfff","data":1}""")]
    [InlineData("{\"task_type\":\"a\",\"data\":\"tab\there\"}")]
    public void Refuses_what_is_not_json_text_with_400(string body)
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

    [Theory]
    [InlineData("""{"task_type":"t","data":"a\u0000b"}""", "\\u0000")]
    [InlineData("""{"task_type":"t","data":{"\u0000":1}}""", "\\u0000")]
    [InlineData("""{"task_type":"t","data":[1,{"k":["\u0000"]}]}""", "\\u0000")]
    [InlineData("""{"task_type":"t","data":1e1000000}""", "before the decimal point")]
    [InlineData("""{"task_type":"t","data":1e2147483647}""", "exponent")]
    [InlineData("""{"task_type":"t","data":[1e131072]}""", "before the decimal point")]
    [InlineData("""{"task_type":"t","data":{"n":1e-16384}}""", "after the decimal point")]
    public void Refuses_data_postgresql_cannot_store_with_422_naming_it(string body, string reason)
    {
        var (ok, _, error) = Parse(body);

        Assert.False(ok);
        Assert.Equal(422, error!.StatusCode);
        Assert.Contains(reason, error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"task_type":"t","data":"\ud83d\ude00 and \u0001 and \\u0000"}""", "\"\\ud83d\\ude00 and \\u0001 and \\\\u0000\"")]
    [InlineData("""{"task_type":"t","data":[-0, 1e131071,1e-16383,0e-16383,123456789012345678901234567890]}""", """[-0, 1e131071,1e-16383,0e-16383,123456789012345678901234567890]""")]
    [InlineData("""{"task_type":"t","extra":"\u0000","data":1}""", "1")]
    [InlineData("""{"task_type":"t","data":"<<<>>>&&&'''", "x":1}""", "\"<<<>>>&&&'''\"")]
    public void Keeps_data_postgresql_can_store_byte_for_byte(string body, string data)
    {
        var (ok, submission, error) = Parse(body);

        Assert.True(ok, error?.Detail);
        Assert.Equal(data, submission!.Data.ToString());
    }

    [Fact]
    public void Accepts_nesting_up_to_the_limit_and_refuses_deeper_with_400()
    {
        static string Nested(int depth) => """{"task_type":"t","data":""" + new string('[', depth) + new string(']', depth) + "}";

        Assert.True(Parse(Nested(TaskSubmissionParser.MaxDepth - 1)).Ok);
        Assert.Equal(400, Parse(Nested(TaskSubmissionParser.MaxDepth)).Error!.StatusCode);
    }

    [Fact]
    public void A_huge_object_is_checked_for_duplicate_keys_too()
    {
        var keys = string.Join(',', Enumerable.Range(0, 50_000).Select(i => $"\"k{i}\":{i}"));

        Assert.True(Parse("""{"task_type":"t","data":{""" + keys + "}}").Ok);
        Assert.Equal(400, Parse("""{"task_type":"t","data":{""" + keys + ""","k7":1}}""").Error!.StatusCode);
    }

    [Fact]
    public void Task_type_length_is_bounded_at_64()
    {
        Assert.True(Parse($$"""{"task_type":"{{new string('a', 64)}}","data":1}""").Ok);
        Assert.Equal(422, Parse($$"""{"task_type":"{{new string('a', 65)}}","data":1}""").Error!.StatusCode);
    }
}
