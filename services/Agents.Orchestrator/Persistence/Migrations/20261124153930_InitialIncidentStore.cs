using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialIncidentStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "orchestrator");

            migrationBuilder.CreateTable(
                name: "incidents",
                schema: "orchestrator",
                columns: table => new
                {
                    incident_id = table.Column<Guid>(type: "uuid", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false),
                    status = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    fingerprint = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    is_open = table.Column<bool>(type: "boolean", nullable: false),
                    alert_count = table.Column<int>(type: "integer", nullable: false),
                    alert = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    trace_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    current_step = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    step_attempt = table.Column<int>(type: "integer", nullable: false),
                    step_started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    notification_kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    pending_outcome = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    escalation_reason = table.Column<string>(type: "text", nullable: true),
                    source_resolved = table.Column<bool>(type: "boolean", nullable: false),
                    step_timeout_token_id = table.Column<Guid>(type: "uuid", nullable: true),
                    triage = table.Column<string>(type: "jsonb", nullable: true),
                    context = table.Column<string>(type: "jsonb", nullable: true),
                    hypothesis = table.Column<string>(type: "jsonb", nullable: true),
                    remediation = table.Column<string>(type: "jsonb", nullable: true),
                    notifications = table.Column<string>(type: "jsonb", nullable: false),
                    timeline = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_incidents", x => x.incident_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_incidents_created",
                schema: "orchestrator",
                table: "incidents",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_incidents_status_created",
                schema: "orchestrator",
                table: "incidents",
                columns: new[] { "status", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_incidents_open_fingerprint",
                schema: "orchestrator",
                table: "incidents",
                column: "fingerprint",
                unique: true,
                filter: "is_open");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "incidents",
                schema: "orchestrator");
        }
    }
}
