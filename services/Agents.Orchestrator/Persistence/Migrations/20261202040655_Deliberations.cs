using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Deliberations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "deliberations",
                schema: "orchestrator",
                columns: table => new
                {
                    deliberation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false),
                    status = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    summary = table.Column<string>(type: "text", nullable: false),
                    subject = table.Column<string>(type: "jsonb", nullable: false),
                    requested_by = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    participants = table.Column<string>(type: "jsonb", nullable: false),
                    threshold = table.Column<int>(type: "integer", nullable: false),
                    max_rounds = table.Column<int>(type: "integer", nullable: false),
                    round_timeout = table.Column<TimeSpan>(type: "interval", nullable: false),
                    decisions = table.Column<string>(type: "jsonb", nullable: false),
                    round = table.Column<int>(type: "integer", nullable: false),
                    round_started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    current_stances = table.Column<string>(type: "jsonb", nullable: false),
                    rounds = table.Column<string>(type: "jsonb", nullable: false),
                    ignored = table.Column<string>(type: "jsonb", nullable: false),
                    decision = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    confidence = table.Column<double>(type: "double precision", nullable: true),
                    reason = table.Column<string>(type: "text", nullable: true),
                    tokens = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    round_timeout_token_id = table.Column<Guid>(type: "uuid", nullable: true),
                    timeout_round = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deliberations", x => x.deliberation_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_deliberations_kind_status_created",
                schema: "orchestrator",
                table: "deliberations",
                columns: new[] { "kind", "status", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deliberations",
                schema: "orchestrator");
        }
    }
}
