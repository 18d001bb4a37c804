using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Distributed.Aggregator.Data.Migrations
{
    /// <inheritdoc />
    public partial class ClientsOwnTheirResults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_task_type_counts",
                table: "task_type_counts");

            migrationBuilder.DropIndex(
                name: "idx_results_processed_at",
                table: "results");

            migrationBuilder.DropIndex(
                name: "idx_results_task_type",
                table: "results");

            migrationBuilder.AddColumn<string>(
                name: "client_id",
                table: "task_type_counts",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "client_id",
                table: "results",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddPrimaryKey(
                name: "PK_task_type_counts",
                table: "task_type_counts",
                columns: new[] { "client_id", "task_type" });

            migrationBuilder.CreateIndex(
                name: "idx_results_client_processed_at",
                table: "results",
                columns: new[] { "client_id", "processed_at", "id" });

            migrationBuilder.CreateIndex(
                name: "idx_results_client_task_type",
                table: "results",
                columns: new[] { "client_id", "task_type", "processed_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_task_type_counts",
                table: "task_type_counts");

            migrationBuilder.DropIndex(
                name: "idx_results_client_processed_at",
                table: "results");

            migrationBuilder.DropIndex(
                name: "idx_results_client_task_type",
                table: "results");

            migrationBuilder.DropColumn(
                name: "client_id",
                table: "task_type_counts");

            migrationBuilder.DropColumn(
                name: "client_id",
                table: "results");

            migrationBuilder.AddPrimaryKey(
                name: "PK_task_type_counts",
                table: "task_type_counts",
                column: "task_type");

            migrationBuilder.CreateIndex(
                name: "idx_results_processed_at",
                table: "results",
                columns: new[] { "processed_at", "id" });

            migrationBuilder.CreateIndex(
                name: "idx_results_task_type",
                table: "results",
                columns: new[] { "task_type", "processed_at", "id" });
        }
    }
}
