using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Contracts;

/// <summary>
/// One JSON shape for every message on the wire: snake_case names exactly as the spec lists them,
/// source-generated so that encoding is cheap on the hot path.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TaskMessage))]
[JsonSerializable(typeof(EnrichmentRequest))]
[JsonSerializable(typeof(EnrichmentReply))]
[JsonSerializable(typeof(ResultMessage))]
public sealed partial class ContractJsonContext : JsonSerializerContext;

public static class ContractJson
{
    public static byte[] Serialize<T>(T value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, typeof(T), ContractJsonContext.Default);

    /// <summary>Decodes a message, or says why it cannot be decoded (so the caller can dead-letter it).</summary>
    public static bool TryDeserialize<T>(ReadOnlySpan<byte> utf8, out T? value, out string? error)
        where T : class
    {
        try
        {
            value = (T?)JsonSerializer.Deserialize(utf8, typeof(T), ContractJsonContext.Default);
            error = value is null ? "message body is JSON null" : null;
            return value is not null;
        }
        catch (JsonException ex)
        {
            value = null;
            error = $"invalid {typeof(T).Name}: {ex.Message}";
            return false;
        }
    }
}
