using System.Security.Cryptography;
using System.Text;

namespace Distributed.Gateway;

/// <summary>
/// A client that may retry (after a timeout, or a 503 given while NATS was failing, which may
/// still have stored the task) sends an <c>Idempotency-Key</c>. The same key always maps to the
/// same request id, which is also the JetStream message id and the results' unique key, so a
/// retried task is accepted once and stored once.
/// </summary>
public static class IdempotencyKey
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxLength = 200;

    /// <summary>A name-based UUID (RFC 9562 version 8) from the key's SHA-256.</summary>
    public static Guid ToRequestId(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(bytes, bigEndian: true);
    }

    public static bool IsValid(string key) =>
        key.Length is > 0 and <= MaxLength && key.All(c => c is >= '!' and <= '~');
}
