using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Distributed.Gateway;

/// <summary>
/// At most <see cref="GatewayOptions.MaxConcurrentRequests"/> task submissions waiting on NATS at
/// once. A slot is taken only once the body has arrived, so a slow client never holds one while it
/// trickles its body (<see cref="RequestLimits"/> cuts that off); held, a slot lasts at most the
/// answer deadline. One more is refused at once with a 503 and Retry-After (problem+json), as when
/// NATS is away: a client's retry logic already knows that answer.
/// </summary>
public sealed class SubmissionSlots(IOptions<GatewayOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter _slots = new(new ConcurrencyLimiterOptions { PermitLimit = options.Value.MaxConcurrentRequests, QueueLimit = 0 });

    public int Limit => options.Value.MaxConcurrentRequests;

    /// <summary>A slot, or a lease that is not acquired when every slot is taken; disposing it gives the slot back.</summary>
    public RateLimitLease TryTake() => _slots.AttemptAcquire();

    public void Dispose() => _slots.Dispose();
}
