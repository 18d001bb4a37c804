using System.Buffers.Text;
using System.Text.Unicode;

namespace Distributed.Gateway;

public enum TextProblem
{
    None,

    /// <summary>Not Unicode text: a lone UTF-16 surrogate escape, or bytes that are not UTF-8.</summary>
    Invalid,

    /// <summary>Holds <c>\u0000</c>: valid JSON, but PostgreSQL's jsonb refuses it.</summary>
    Nul,
}

/// <summary>
/// What JSON PostgreSQL's <c>jsonb</c> can hold, decided on the raw token bytes. jsonb keeps text
/// without U+0000 and numbers as <c>numeric</c>: at most 131,072 digits before the decimal
/// point and 16,383 after (its scale), with an exponent short of ±2^30. The boundaries were
/// checked against PostgreSQL 15 (see StorableJsonTests).
/// </summary>
public static class StorableJson
{
    public const int MaxDigitsBeforePoint = 131_072;
    public const int MaxScale = 16_383;
    private const long MaxExponent = (int.MaxValue / 2) - 1;

    /// <summary>Checks a string or property name token as the reader sees it (still escaped when <paramref name="escaped"/>).</summary>
    public static TextProblem TextProblem(ReadOnlySpan<byte> raw, bool escaped)
    {
        if (!Utf8.IsValid(raw))
        {
            return Gateway.TextProblem.Invalid;
        }

        if (!escaped)
        {
            return Gateway.TextProblem.None;
        }

        var problem = Gateway.TextProblem.None;
        var pendingHigh = false;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\')
            {
                if (pendingHigh)
                {
                    return Gateway.TextProblem.Invalid;
                }

                continue;
            }

            var kind = raw[++i];
            if (kind != (byte)'u')
            {
                if (pendingHigh)
                {
                    return Gateway.TextProblem.Invalid;
                }

                continue;
            }

            // The reader has checked that four hex digits follow.
            if (!Utf8Parser.TryParse(raw.Slice(i + 1, 4), out ushort unit, out _, 'X'))
            {
                return Gateway.TextProblem.Invalid;
            }

            i += 4;
            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                if (!pendingHigh)
                {
                    return Gateway.TextProblem.Invalid;
                }

                pendingHigh = false;
            }
            else if (pendingHigh)
            {
                return Gateway.TextProblem.Invalid;
            }
            else if (unit is >= 0xD800 and <= 0xDBFF)
            {
                pendingHigh = true;
            }
            else if (unit == 0)
            {
                problem = Gateway.TextProblem.Nul;
            }
        }

        return pendingHigh ? Gateway.TextProblem.Invalid : problem;
    }

    /// <summary>Why PostgreSQL's numeric cannot hold this JSON number token, or null when it can.</summary>
    public static string? NumberProblem(ReadOnlySpan<byte> number)
    {
        var i = number.Length > 0 && number[0] == (byte)'-' ? 1 : 0;
        var integerStart = i;
        while (i < number.Length && IsDigit(number[i]))
        {
            i++;
        }

        var integer = number[integerStart..i];
        ReadOnlySpan<byte> fraction = default;
        if (i < number.Length && number[i] == (byte)'.')
        {
            var fractionStart = ++i;
            while (i < number.Length && IsDigit(number[i]))
            {
                i++;
            }

            fraction = number[fractionStart..i];
        }

        long exponent = 0;
        if (i < number.Length && (number[i] | 0x20) == (byte)'e')
        {
            i++;
            var negative = number[i] == (byte)'-';
            if (number[i] is (byte)'-' or (byte)'+')
            {
                i++;
            }

            for (; i < number.Length; i++)
            {
                // Saturate: anything past the limit is refused whatever the digits say.
                exponent = Math.Min((exponent * 10) + (number[i] - '0'), MaxExponent + 1);
            }

            exponent = negative ? -exponent : exponent;
        }

        if (Math.Abs(exponent) > MaxExponent)
        {
            return $"the number's exponent is beyond what PostgreSQL's numeric type takes (±{MaxExponent})";
        }

        var scale = Math.Max(0, fraction.Length - exponent);
        if (scale > MaxScale)
        {
            return $"a number has {scale} digits after the decimal point; PostgreSQL's numeric type takes at most {MaxScale}";
        }

        // The position of the first significant digit decides how many digits stand before the point.
        long digitsBeforePoint;
        var firstSignificant = integer.IndexOfAnyExcept((byte)'0');
        if (firstSignificant >= 0)
        {
            digitsBeforePoint = integer.Length - firstSignificant + exponent;
        }
        else
        {
            var inFraction = fraction.IndexOfAnyExcept((byte)'0');
            if (inFraction < 0)
            {
                return null; // zero, whatever its exponent
            }

            digitsBeforePoint = -inFraction + exponent;
        }

        return digitsBeforePoint > MaxDigitsBeforePoint
            ? $"a number has {digitsBeforePoint} digits before the decimal point; PostgreSQL's numeric type takes at most {MaxDigitsBeforePoint}"
            : null;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
