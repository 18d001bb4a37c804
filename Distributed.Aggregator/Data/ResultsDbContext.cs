using Microsoft.EntityFrameworkCore;

namespace Distributed.Aggregator.Data;

/// <summary>
/// The results schema, connected as the database's owner: the migrations run through it. The
/// ingest path and the query API use the same model through roles of their own
/// (<see cref="ResultsIngestDbContext"/>, <see cref="ResultsReaderDbContext"/>).
/// </summary>
public class ResultsDbContext : DbContext
{
    public ResultsDbContext(DbContextOptions<ResultsDbContext> options)
        : base(options)
    {
    }

    protected ResultsDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<ResultRow> Results => Set<ResultRow>();

    public DbSet<TaskTypeTotal> TaskTypeTotals => Set<TaskTypeTotal>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var result = modelBuilder.Entity<ResultRow>();
        result.ToTable("results");
        result.HasKey(r => r.Id);
        result.Property(r => r.Id).HasColumnName("id").HasDefaultValueSql("gen_random_uuid()");
        result.Property(r => r.RequestId).HasColumnName("request_id");
        result.Property(r => r.ClientId).HasColumnName("client_id").HasDefaultValue(Distributed.Contracts.ClientIdRule.Anonymous);
        result.Property(r => r.TaskType).HasColumnName("task_type").IsRequired();
        result.Property(r => r.Payload).HasColumnName("payload").HasColumnType("jsonb").IsRequired();
        result.Property(r => r.Enrichment).HasColumnName("enrichment").HasColumnType("jsonb");
        result.Property(r => r.ProcessedAt).HasColumnName("processed_at").HasColumnType("timestamptz");
        result.Property(r => r.ProcessorId).HasColumnName("processor_id").IsRequired();
        result.Property(r => r.TraceId).HasColumnName("trace_id").HasMaxLength(32);

        // A redelivered result must never become a second row.
        result.HasIndex(r => r.RequestId).IsUnique().HasDatabaseName("results_request_id_key");
        // Both serve one client's GET /results newest first, with and without task_type, and its
        // keyset cursor (processed_at, id): a page is an index range scan however large the table
        // grows and however many clients share it. Every query names its client (the anonymous
        // one with authentication off), so these replace the client-less indexes rather than join them.
        result.HasIndex(r => new { r.ClientId, r.TaskType, r.ProcessedAt, r.Id }).HasDatabaseName("idx_results_client_task_type");
        result.HasIndex(r => new { r.ClientId, r.ProcessedAt, r.Id }).HasDatabaseName("idx_results_client_processed_at");

        var total = modelBuilder.Entity<TaskTypeTotal>();
        total.ToTable("task_type_counts");
        total.HasKey(t => new { t.ClientId, t.TaskType });
        total.Property(t => t.ClientId).HasColumnName("client_id");
        total.Property(t => t.TaskType).HasColumnName("task_type");
        total.Property(t => t.Count).HasColumnName("count");
    }
}

/// <summary>The ingest path's connection: inserts results and keeps the per-type counts, nothing else.</summary>
public sealed class ResultsIngestDbContext(DbContextOptions<ResultsIngestDbContext> options) : ResultsDbContext(options);

/// <summary>The query API's connection: a role that can only SELECT, with a statement_timeout.</summary>
public sealed class ResultsReaderDbContext(DbContextOptions<ResultsReaderDbContext> options) : ResultsDbContext(options);
