using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Distributed.Aggregator.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service.</summary>
public sealed class DesignTimeResultsDbContextFactory : IDesignTimeDbContextFactory<ResultsDbContext>
{
    public ResultsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ResultsDbContext>()
            .UseNpgsql(DatabaseUrl.ToConnectionString(DatabaseUrl.Default))
            .Options);
}
