using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class IncidentApprovalGate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "approval",
                schema: "orchestrator",
                table: "incidents",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "approval_deliberation_id",
                schema: "orchestrator",
                table: "incidents",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "approval_requests",
                schema: "orchestrator",
                table: "incidents",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "ix_incidents_approval_deliberation",
                schema: "orchestrator",
                table: "incidents",
                column: "approval_deliberation_id",
                unique: true,
                filter: "approval_deliberation_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_incidents_approval_deliberation",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "approval",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "approval_deliberation_id",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "approval_requests",
                schema: "orchestrator",
                table: "incidents");
        }
    }
}
