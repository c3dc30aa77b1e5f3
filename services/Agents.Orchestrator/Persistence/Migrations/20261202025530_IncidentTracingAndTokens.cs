using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class IncidentTracingAndTokens : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "step_trace_parent",
                schema: "orchestrator",
                table: "incidents",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tokens",
                schema: "orchestrator",
                table: "incidents",
                type: "jsonb",
                nullable: false,
                // Incidents from before token accounting spent none that were counted.
                defaultValueSql: "'{}'::jsonb");

            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                schema: "orchestrator",
                table: "incidents",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "step_trace_parent",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "tokens",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "trace_parent",
                schema: "orchestrator",
                table: "incidents");
        }
    }
}
