using System.Text;
using Distributed.Gateway;

namespace Distributed.Tests.Unit;

/// <summary>
/// The boundaries of PostgreSQL 15's jsonb, each pair found by casting the literal to jsonb:
/// the first of a pair is stored, the second is refused with "value overflows numeric format"
/// (or, for text, "unsupported Unicode escape sequence").
/// </summary>
public sealed class StorableJsonTests
{
    [Theory]
    [InlineData("1e131071", true)]
    [InlineData("1e131072", false)]
    [InlineData("9e131071", true)]
    [InlineData("10e131070", true)]
    [InlineData("100e131070", false)]
    [InlineData("0.00012e131075", true)]
    [InlineData("0.00012e131076", false)]
    [InlineData("0.1e131073", false)]
    [InlineData("1e-16383", true)]
    [InlineData("1e-16384", false)]
    [InlineData("1.5e-16382", true)]
    [InlineData("1.5e-16383", false)]
    [InlineData("1.50000e-16378", true)]
    [InlineData("1.500000e-16378", false)]
    [InlineData("12345e-16387", false)]
    [InlineData("0e-16383", true)]
    [InlineData("0e-16384", false)]
    [InlineData("0.0e-16383", false)]
    [InlineData("0e131072", true)]
    [InlineData("0e1000000", true)]
    [InlineData("0e1073741822", true)]
    [InlineData("0e1073741823", false)]
    [InlineData("0e-1073741823", false)]
    [InlineData("1e1000000", false)]
    [InlineData("1e-1000000", false)]
    [InlineData("1e2147483647", false)]
    [InlineData("1e99999999999999999999999", false)]
    [InlineData("1e+0131071", true)]
    [InlineData("-0", true)]
    [InlineData("1E+2", true)]
    [InlineData("-123.456e-7", true)]
    public void Numbers_are_storable_exactly_where_postgresql_numeric_takes_them(string number, bool storable)
    {
        Assert.Equal(storable, StorableJson.NumberProblem(Encoding.ASCII.GetBytes(number)) is null);
    }

    [Fact]
    public void A_400_digit_integer_is_storable()
    {
        Assert.Null(StorableJson.NumberProblem(Encoding.ASCII.GetBytes(new string('7', 400))));
    }

    [Theory]
    [InlineData("plain", false, TextProblem.None)]
    [InlineData(@"a\u0000b", true, TextProblem.Nul)]
    [InlineData(@"a\\u0000b", true, TextProblem.None)]
    [InlineData(@"\u0001\u001f", true, TextProblem.None)]
    [InlineData(@"\ud83d\ude00", true, TextProblem.None)]
    [InlineData(@"\ud800", true, TextProblem.Invalid)]
    [InlineData(@"\udc00", true, TextProblem.Invalid)]
    [InlineData(@"\ud800\u0041", true, TextProblem.Invalid)]
    [InlineData(@"\ud800\n", true, TextProblem.Invalid)]
    [InlineData(@"\ud83d\ude00\ud800", true, TextProblem.Invalid)]
    public void Text_with_nul_is_unstorable_and_lone_surrogates_are_not_text(string raw, bool escaped, TextProblem expected)
    {
        Assert.Equal(expected, StorableJson.TextProblem(Encoding.UTF8.GetBytes(raw), escaped));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_not_text()
    {
        Assert.Equal(TextProblem.Invalid, StorableJson.TextProblem([0x61, 0xC3], escaped: false));
        Assert.Equal(TextProblem.Invalid, StorableJson.TextProblem([0xED, 0xA0, 0x80], escaped: false)); // an encoded surrogate
    }
}
