using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TimeoutPoliciesAndEmergencyPages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "failure_reason",
                schema: "orchestrator",
                table: "incidents",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "emergency_pages",
                schema: "orchestrator",
                columns: table => new
                {
                    incident_id = table.Column<Guid>(type: "uuid", nullable: false),
                    paged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_emergency_pages", x => x.incident_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "emergency_pages",
                schema: "orchestrator");

            migrationBuilder.DropColumn(
                name: "failure_reason",
                schema: "orchestrator",
                table: "incidents");
        }
    }
}
