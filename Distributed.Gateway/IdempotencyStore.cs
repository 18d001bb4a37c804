using Distributed.Messaging;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;

namespace Distributed.Gateway;

public enum IdempotencyClaim
{
    /// <summary>The key is new: this request owns it.</summary>
    First,

    /// <summary>The key was used before with the same body: a retry, answered with the same request id.</summary>
    Repeat,

    /// <summary>The key was used before with a different body: a client error (422).</summary>
    Mismatch,

    /// <summary>NATS could not be asked: 503.</summary>
    Unavailable,
}

/// <summary>
/// Remembers, for IDEMPOTENCY_WINDOW_SECONDS, which body each Idempotency-Key came with
/// (draft-ietf-httpapi-idempotency-key-header): the same key with another body is refused
/// instead of silently answered with the first task's id. Kept in a NATS key-value bucket, so
/// every gateway replica sees the same keys and they survive a gateway restart.
/// </summary>
public sealed class IdempotencyStore(JetStreamProvisioner topology)
{
    public const string Bucket = IdempotencyBucket.Name;
    private INatsKVStore? _store;

    /// <summary>Remembers <paramref name="body"/> under the key's id, or says how it compares with the body remembered there.</summary>
    public async Task<IdempotencyClaim> ClaimAsync(Guid keyId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var key = keyId.ToString("N");
        var fingerprint = IdempotencyKey.Fingerprint(body.Span);
        try
        {
            var store = await StoreAsync(cancellationToken);
            var created = await store.TryCreateAsync(key, fingerprint, cancellationToken: cancellationToken);
            if (created.Success)
            {
                return IdempotencyClaim.First;
            }

            var existing = await store.TryGetEntryAsync<string>(key, cancellationToken: cancellationToken);
            if (!existing.Success)
            {
                return IdempotencyClaim.Unavailable;
            }

            return existing.Value.Value == fingerprint ? IdempotencyClaim.Repeat : IdempotencyClaim.Mismatch;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            // The bucket may be gone with a NATS that lost its store: look it up again next time.
            _store = null;
            return IdempotencyClaim.Unavailable;
        }
    }

    /// <summary>The bucket as the topology's owner declared it (IDEMPOTENCY_WINDOW_SECONDS is its MaxAge).</summary>
    private async ValueTask<INatsKVStore> StoreAsync(CancellationToken cancellationToken) =>
        _store ??= await topology.IdempotencyBucketAsync(cancellationToken);
}
