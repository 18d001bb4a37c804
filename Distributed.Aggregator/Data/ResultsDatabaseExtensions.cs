using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Distributed.Aggregator.Data;

public static class ResultsDatabaseExtensions
{
    public const string ConnectionName = "aggregator";

    /// <summary>
    /// The Aspire connection string wins; a service started by hand uses DATABASE_URL, as the
    /// original did. Migrations run in the background so the service starts (and reports
    /// unhealthy) while PostgreSQL is not up yet.
    /// </summary>
    public static void AddResultsDatabase(this IHostApplicationBuilder builder)
    {
        var key = $"ConnectionStrings:{ConnectionName}";
        if (string.IsNullOrWhiteSpace(builder.Configuration[key]))
        {
            var url = builder.Configuration[DatabaseUrl.VariableName];
            builder.Configuration[key] = DatabaseUrl.ToConnectionString(string.IsNullOrWhiteSpace(url) ? DatabaseUrl.Default : url);
        }

        builder.Configuration[key] = ResultsConnectionString.Tune(builder.Configuration[key]!);

        // No EF retry loop: writes are retried through JetStream redelivery, and a query while
        // PostgreSQL is down should answer 503 at once rather than hang the client.
        builder.AddNpgsqlDbContext<ResultsDbContext>(
            ConnectionName,
            settings => settings.DisableRetry = true,
            // A failed statement is logged once by whoever handles it, naming the task, not as
            // an EF command dump per attempt.
            options => options.ConfigureWarnings(warnings => warnings.Log((RelationalEventId.CommandError, LogLevel.Debug))));
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<StatsReader>();
        builder.Services.AddScoped<ResultPageReader>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<DatabaseMigrator>());
    }
}
