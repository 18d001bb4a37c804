using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Distributed.Gateway;

public sealed class GatewayOptions
{
    /// <summary>How long an Idempotency-Key is remembered with its body; a day by default.</summary>
    [ConfigurationKeyName("IDEMPOTENCY_WINDOW_SECONDS")]
    [Range(1, 30 * 24 * 3600)]
    public int IdempotencyWindowSeconds { get; set; } = 24 * 3600;

    public TimeSpan IdempotencyWindow => TimeSpan.FromSeconds(IdempotencyWindowSeconds);
}
