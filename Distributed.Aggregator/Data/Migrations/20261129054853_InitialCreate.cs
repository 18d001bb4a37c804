using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Distributed.Aggregator.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "results",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    task_type = table.Column<string>(type: "text", nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    enrichment = table.Column<string>(type: "jsonb", nullable: true),
                    processed_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    processor_id = table.Column<string>(type: "text", nullable: false),
                    trace_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_results", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "idx_results_processed_at",
                table: "results",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "idx_results_task_type",
                table: "results",
                column: "task_type");

            migrationBuilder.CreateIndex(
                name: "results_request_id_key",
                table: "results",
                column: "request_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "results");
        }
    }
}
