using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Distributed.AppHost.Infrastructure;

/// <summary>Healthy once the server accepts a login (to the maintenance database: the aggregator creates its own).</summary>
public sealed class PostgresConnectsHealthCheck(LocalPostgresResource postgres) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var connectionString = await postgres.ServerConnectionString.GetValueAsync(cancellationToken);
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Database = "postgres",
            Timeout = 3,
            Pooling = false,
        };

        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not accept logins yet", ex);
        }
    }
}
