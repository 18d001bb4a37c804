using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Distributed.Aggregator.Data.Migrations
{
    /// <inheritdoc />
    public partial class QueryAtScale : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "idx_results_processed_at",
                table: "results");

            migrationBuilder.DropIndex(
                name: "idx_results_task_type",
                table: "results");

            migrationBuilder.CreateTable(
                name: "task_type_counts",
                columns: table => new
                {
                    task_type = table.Column<string>(type: "text", nullable: false),
                    count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_task_type_counts", x => x.task_type);
                });

            // Rows stored before this migration are counted once here; from now on the batch
            // statement that stores rows keeps the counts, in the same transaction.
            migrationBuilder.Sql(
                "INSERT INTO task_type_counts (task_type, count) SELECT task_type, count(*) FROM results GROUP BY task_type;");

            migrationBuilder.CreateIndex(
                name: "idx_results_processed_at",
                table: "results",
                columns: new[] { "processed_at", "id" });

            migrationBuilder.CreateIndex(
                name: "idx_results_task_type",
                table: "results",
                columns: new[] { "task_type", "processed_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "task_type_counts");

            migrationBuilder.DropIndex(
                name: "idx_results_processed_at",
                table: "results");

            migrationBuilder.DropIndex(
                name: "idx_results_task_type",
                table: "results");

            migrationBuilder.CreateIndex(
                name: "idx_results_processed_at",
                table: "results",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "idx_results_task_type",
                table: "results",
                column: "task_type");
        }
    }
}
