using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WorkflowsAsConfiguration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "step_results",
                schema: "orchestrator",
                table: "incidents",
                type: "jsonb",
                nullable: false,
                // Incidents stored before plug-in steps have none.
                defaultValue: "{}");

            migrationBuilder.AddColumn<string>(
                name: "workflow",
                schema: "orchestrator",
                table: "incidents",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "workflow_name",
                schema: "orchestrator",
                table: "incidents",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "workflow_rule",
                schema: "orchestrator",
                table: "incidents",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "workflow_version",
                schema: "orchestrator",
                table: "incidents",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "step_results",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "workflow",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "workflow_name",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "workflow_rule",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "workflow_version",
                schema: "orchestrator",
                table: "incidents");
        }
    }
}
