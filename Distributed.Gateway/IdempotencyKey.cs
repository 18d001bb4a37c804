using System.Security.Cryptography;
using System.Text;

namespace Distributed.Gateway;

/// <summary>
/// A client that may retry (after a timeout, or a 503 given while NATS was failing, which may
/// still have stored the task) sends an <c>Idempotency-Key</c>. The same key with the same body
/// always maps to the same request id, which is also the JetStream message id and the results'
/// unique key, so a retried task is accepted once and stored once. The body is part of the id:
/// once the gateway has forgotten a key, the same key with another body is another task, stored
/// as such, never a 202 whose data the store would drop as a duplicate. A key is the client's own
/// (the IETF draft's advice): the client is part of both ids, so another client's same key is
/// another key, and can neither block nor answer this one. The anonymous client (authentication
/// off) adds nothing, so its ids are the ones keys had before there were clients.
/// </summary>
public static class IdempotencyKey
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxLength = 200;

    /// <summary>The key's own id: under it the gateway remembers which body came with the key.</summary>
    public static Guid ToKeyId(string client, string key) => NameBased(Encoding.UTF8.GetBytes(Scoped(client, key)));

    /// <summary>The task's request id, from the client's key and the body's fingerprint together.</summary>
    public static Guid ToRequestId(string client, string key, ReadOnlySpan<byte> body)
    {
        var name = new List<byte>(Encoding.UTF8.GetBytes(Scoped(client, key))) { 0 };
        name.AddRange(SHA256.HashData(body));
        return NameBased([.. name]);
    }

    // A key holds no control character, so a NUL cannot be part of either and the pair is unambiguous.
    private static string Scoped(string client, string key) =>
        client.Length == 0 ? key : $"{client}\0{key}";

    /// <summary>What the gateway remembers of a key's body: its SHA-256, in hex.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> body) => Convert.ToHexString(SHA256.HashData(body));

    public static bool IsValid(string key) =>
        key.Length is > 0 and <= MaxLength && key.All(c => c is >= '!' and <= '~');

    /// <summary>A name-based UUID (RFC 9562 version 8) from the name's SHA-256.</summary>
    private static Guid NameBased(ReadOnlySpan<byte> name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(name, hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(bytes, bigEndian: true);
    }
}
