using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Contracts;

/// <summary>
/// A JSON value carried as the bytes it arrived in. A task's <c>data</c> travels from the
/// gateway to the row this way: a tree parsed and written again would re-escape strings
/// (<c>&lt;</c> becomes six bytes) and could grow a body the gateway accepted past what NATS takes.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly struct RawJson(ReadOnlyMemory<byte> utf8) : IEquatable<RawJson>
{
    public static readonly RawJson Null = new("null"u8.ToArray());

    /// <summary>The value's UTF-8 JSON text; empty when the value was missing.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;

    public bool IsMissing => Utf8.IsEmpty;

    public static RawJson FromText(string json) => new(Encoding.UTF8.GetBytes(json));

    public override string ToString() => Encoding.UTF8.GetString(Utf8.Span);

    public bool Equals(RawJson other) => Utf8.Span.SequenceEqual(other.Utf8.Span);

    public override bool Equals(object? obj) => obj is RawJson other && Equals(other);

    public override int GetHashCode() => Utf8.Length;

    public static bool operator ==(RawJson left, RawJson right) => left.Equals(right);

    public static bool operator !=(RawJson left, RawJson right) => !left.Equals(right);
}

public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override bool HandleNull => true;

    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RawJson(JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        // Validated where it entered the system (the gateway) or read back from jsonb.
        writer.WriteRawValue((value.IsMissing ? RawJson.Null : value).Utf8.Span, skipInputValidation: true);
}
