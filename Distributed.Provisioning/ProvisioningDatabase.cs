using Distributed.Aggregator.Data;
using Microsoft.EntityFrameworkCore;

namespace Distributed.Provisioning;

public static class ProvisioningDatabase
{
    /// <summary>
    /// The owner's connection, when one is given: the Aspire connection string
    /// <c>aggregator_owner</c> or DATABASE_OWNER_URL. Without it there is no schema to put in place
    /// here (by hand with DATABASE_URL alone, the aggregator migrates, as the original did).
    /// </summary>
    public static bool AddResultsOwner(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var owner = configuration.GetConnectionString(ResultsDatabaseExtensions.OwnerConnectionName) is { Length: > 0 } fromAspire
            ? fromAspire
            : configuration[DatabaseUrl.OwnerVariableName];
        if (string.IsNullOrEmpty(owner))
        {
            return false;
        }

        // Migrations may rightly take long (an index on a large table).
        configuration[$"ConnectionStrings:{ResultsDatabaseExtensions.OwnerConnectionName}"] =
            ResultsConnectionString.Tune(DatabaseUrl.ToConnectionString(owner));
        builder.AddNpgsqlDbContext<ResultsDbContext>(ResultsDatabaseExtensions.OwnerConnectionName, settings => settings.DisableRetry = true);
        return true;
    }
}
