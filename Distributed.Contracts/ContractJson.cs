using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Contracts;

/// <summary>
/// One JSON shape for every message on the wire: snake_case names exactly as docs/contract.md lists them,
/// source-generated so that encoding is cheap on the hot path.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    // A task's data may nest as deep as the gateway allows, inside the message's own object.
    MaxDepth = 128)]
[JsonSerializable(typeof(TaskMessage))]
[JsonSerializable(typeof(EnrichmentRequest))]
[JsonSerializable(typeof(EnrichmentReply))]
[JsonSerializable(typeof(ResultMessage))]
[JsonSerializable(typeof(EnricherFaults))]
[JsonSerializable(typeof(ProcessorIntake))]
[JsonSerializable(typeof(ControlReply<EnricherFaults>))]
[JsonSerializable(typeof(ControlReply<ProcessorIntake>))]
public sealed partial class ContractJsonContext : JsonSerializerContext;

public static class ContractJson
{
    public static byte[] Serialize<T>(T value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, typeof(T), ContractJsonContext.Default);

    /// <summary>
    /// Decodes a message and checks that the pipeline can act on it, or says why not, so the
    /// caller can dead-letter it instead of failing on it again and again.
    /// </summary>
    public static bool TryDecode<T>(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out string? error)
        where T : class, IContractMessage
    {
        try
        {
            value = (T?)JsonSerializer.Deserialize(utf8, typeof(T), ContractJsonContext.Default);
            error = value is null ? "message body is JSON null" : value.Problem();
        }
        catch (JsonException ex)
        {
            value = null;
            error = $"invalid {typeof(T).Name}: {ex.Message}";
        }

        if (error is not null || value is null)
        {
            value = null;
            error ??= "message body is JSON null";
            return false;
        }

        return true;
    }
}
