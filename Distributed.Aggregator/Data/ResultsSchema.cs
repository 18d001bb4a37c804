using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Data;

/// <summary>
/// The results schema as its owner puts it in place: the EF Core migrations, then exactly the table
/// rights each other role's path needs. Run by the provisioning step as the owner role; by the
/// aggregator itself only when it is given one role for everything (by hand, as the original was).
/// </summary>
public static class ResultsSchema
{
    /// <summary>An advisory lock of the schema's own (its key is "aggr" in ASCII).</summary>
    private const string TakeGrantLock = "SELECT pg_advisory_xact_lock(1634166642)";

    /// <param name="ingestRole">The ingest path's role, or null when it is the owner.</param>
    /// <param name="readerRole">The query API's role, or null when it is the owner.</param>
    public static async Task ApplyAsync(ResultsDbContext owner, string? ingestRole, string? readerRole, CancellationToken cancellationToken)
    {
        await owner.Database.MigrateAsync(cancellationToken);
        var statements = Grants(ingestRole, readerRole);
        if (statements.Count == 0)
        {
            return;
        }

        // Two GRANTs on one table at once can fail ("tuple concurrently updated"): one at a time.
        await using var transaction = await owner.Database.BeginTransactionAsync(cancellationToken);
        await owner.Database.ExecuteSqlRawAsync(TakeGrantLock, cancellationToken);
        foreach (var statement in statements)
        {
            await owner.Database.ExecuteSqlRawAsync(statement, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The ingest role inserts rows and may read back only the columns its statement needs (the
    /// conflict target request_id, and client_id and task_type for the counts), never a payload; it upserts the
    /// per-type counts. The reader selects. Nothing more: no DELETE, no UPDATE of a stored result,
    /// no DDL. Earlier, broader grants are revoked first, so a database from before keeps none.
    /// </summary>
    public static IReadOnlyList<string> Grants(string? ingestRole, string? readerRole)
    {
        var statements = new List<string>();
        if (ingestRole is not null)
        {
            statements.Add($"REVOKE ALL ON results, task_type_counts FROM {Quote(ingestRole)}");
            statements.Add($"GRANT INSERT ON results TO {Quote(ingestRole)}");
            statements.Add($"GRANT SELECT (request_id, client_id, task_type) ON results TO {Quote(ingestRole)}");
            statements.Add($"GRANT SELECT, INSERT, UPDATE ON task_type_counts TO {Quote(ingestRole)}");
        }

        if (readerRole is not null)
        {
            statements.Add($"REVOKE ALL ON results, task_type_counts FROM {Quote(readerRole)}");
            statements.Add($"GRANT SELECT ON results, task_type_counts TO {Quote(readerRole)}");
        }

        return statements;
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
