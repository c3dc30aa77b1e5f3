using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class StepDeadlines : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "step_deadline",
                schema: "orchestrator",
                table: "incidents",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_incidents_step_deadline",
                schema: "orchestrator",
                table: "incidents",
                column: "step_deadline",
                filter: "step_deadline IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_incidents_step_deadline",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "step_deadline",
                schema: "orchestrator",
                table: "incidents");
        }
    }
}
