using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RecentAlertIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid[]>(
                name: "recent_alert_ids",
                schema: "orchestrator",
                table: "incidents",
                type: "uuid[]",
                nullable: false,
                defaultValue: new Guid[0]);

            migrationBuilder.CreateIndex(
                name: "ix_incidents_recent_alert_ids",
                schema: "orchestrator",
                table: "incidents",
                column: "recent_alert_ids")
                .Annotation("Npgsql:CreatedConcurrently", true)
                .Annotation("Npgsql:IndexMethod", "gin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_incidents_recent_alert_ids",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "recent_alert_ids",
                schema: "orchestrator",
                table: "incidents");
        }
    }
}
