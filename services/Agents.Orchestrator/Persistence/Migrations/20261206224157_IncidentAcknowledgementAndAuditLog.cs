using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class IncidentAcknowledgementAndAuditLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "acknowledged_at",
                schema: "orchestrator",
                table: "incidents",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "acknowledged_by",
                schema: "orchestrator",
                table: "incidents",
                type: "text",
                nullable: true);

            // The API's audit trail (it writes it with plain Npgsql; the orchestrator's migrations are the only schema
            // changes), unqualified like the API's statements: in the first schema of the search path (public).
            // Append-only: updates, deletes and truncation are refused by triggers.
            migrationBuilder.Sql("""
                CREATE TABLE audit_log (
                  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                  at timestamptz NOT NULL,
                  actor text NOT NULL,
                  roles text NOT NULL,
                  auth_method text NOT NULL,
                  action text NOT NULL,
                  target text NOT NULL,
                  request_id text NOT NULL,
                  client_address text NOT NULL,
                  outcome text NOT NULL,
                  status_code integer NOT NULL,
                  detail text NULL,
                  prev_hash text NOT NULL,
                  hash text NOT NULL);
                CREATE INDEX ix_audit_log_at ON audit_log (at);
                CREATE INDEX ix_audit_log_actor ON audit_log (actor, id);
                CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$;
                CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
                CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Dropping the table drops its indexes and triggers; then the function.
            migrationBuilder.Sql("""
                DROP TABLE audit_log;
                DROP FUNCTION audit_log_append_only();
                """);

            migrationBuilder.DropColumn(
                name: "acknowledged_at",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "acknowledged_by",
                schema: "orchestrator",
                table: "incidents");
        }
    }
}
