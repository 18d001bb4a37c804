using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Distributed.Aggregator.Data;

/// <summary>/health says 503 until the migrations have run: before that the query API has nothing to read.</summary>
public sealed class SchemaHealthCheck(DatabaseMigrator migrator) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(migrator.IsReady
            ? HealthCheckResult.Healthy("results schema in place")
            : HealthCheckResult.Unhealthy("the results schema is not in place yet (migrations pending)"));
}
