using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Distributed.Aggregator.Data;

public static class ResultsDatabaseExtensions
{
    /// <summary>The ingest role's connection; by hand, DATABASE_URL's.</summary>
    public const string ConnectionName = "aggregator";

    /// <summary>The owner's, which the provisioning step runs the migrations with; the aggregator never holds it.</summary>
    public const string OwnerConnectionName = "aggregator_owner";

    /// <summary>The query API's SELECT-only role; absent, the ingest connection serves.</summary>
    public const string ReaderConnectionName = "aggregator_reader";

    /// <summary>
    /// The Aspire connection strings win; a service started by hand uses DATABASE_URL (the ingest
    /// role, and every role when it is the only one given, as in the original) and DATABASE_READER_URL.
    /// With one role the aggregator migrates the schema itself; with two, the provisioning step has.
    /// The schema is awaited in the background so the service starts (and reports unhealthy) while
    /// PostgreSQL is not up yet.
    /// </summary>
    public static void AddResultsDatabase(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var ingest = configuration.GetConnectionString(ConnectionName) is { Length: > 0 } fromAspire
            ? fromAspire
            : configuration[DatabaseUrl.VariableName] is { Length: > 0 } url ? url : DatabaseUrl.Default;
        string Or(string connectionName, string variable) =>
            configuration.GetConnectionString(connectionName) is { Length: > 0 } aspire ? aspire
            : configuration[variable] is { Length: > 0 } byHand ? byHand
            : ingest;

        var reader = Or(ReaderConnectionName, DatabaseUrl.ReaderVariableName);
        var ownsSchema = reader == ingest;
        var roles = new Dictionary<string, string>
        {
            [ConnectionName] = ingest,
            [ReaderConnectionName] = reader,
        };
        if (ownsSchema)
        {
            roles[OwnerConnectionName] = ingest;
        }

        foreach (var (name, value) in roles)
        {
            // Each may be a postgres:// URL, as DATABASE_URL is.
            var connectionString = DatabaseUrl.ToConnectionString(value);
            // The owner's migrations may rightly take long (an index on a large table); the other two may not.
            configuration[$"ConnectionStrings:{name}"] = name switch
            {
                ReaderConnectionName => ResultsConnectionString.TuneReader(connectionString),
                ConnectionName => ResultsConnectionString.TuneIngest(connectionString),
                _ => ResultsConnectionString.Tune(connectionString),
            };
        }

        if (ownsSchema)
        {
            builder.AddResultsContext<ResultsDbContext>(OwnerConnectionName);
        }

        builder.Services.AddSingleton(new ResultsRoles(ownsSchema));
        builder.AddResultsContext<ResultsIngestDbContext>(ConnectionName);
        builder.AddResultsContext<ResultsReaderDbContext>(ReaderConnectionName);
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<StatsReader>();
        builder.Services.AddScoped<ResultPageReader>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<DatabaseMigrator>());
        builder.Services.AddSingleton<QueryWarmUp>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<QueryWarmUp>());
        builder.Services.AddHealthChecks().AddCheck<SchemaHealthCheck>("schema").AddCheck<QueryWarmUp>("query-warm-up");
    }

    private static void AddResultsContext<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext =>
        // No EF retry loop: writes are retried through JetStream redelivery, and a query while
        // PostgreSQL is down should answer 503 at once rather than hang the client.
        builder.AddNpgsqlDbContext<TContext>(
            connectionName,
            settings => settings.DisableRetry = true,
            // A failed statement is logged once by whoever handles it, naming the task, not as
            // an EF command dump per attempt.
            options => options.ConfigureWarnings(warnings => warnings.Log((RelationalEventId.CommandError, LogLevel.Debug))));
}

/// <summary>Whether the aggregator owns the results schema: only when one role does everything, as by hand.</summary>
public sealed record ResultsRoles(bool OwnsSchema);
