using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <summary>
    /// Retention of the audit trail (<c>Retention__AuditLog</c>): the oldest rows of <c>audit_log</c> may be deleted, and
    /// only through a checkpoint. <c>audit_checkpoints</c> (append-only) records each cut: through which row, that row's
    /// hash (what the first row kept names as its previous hash), how many rows went and why. The trigger on
    /// <c>audit_log</c> lets a DELETE through only inside a transaction that set <c>agents.audit_retention</c> and only
    /// for rows at or before the newest checkpoint; updates and truncation are still refused.
    /// </summary>
    public partial class AuditRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE audit_checkpoints (
                  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                  at timestamptz NOT NULL,
                  through_id bigint NOT NULL,
                  through_hash text NOT NULL,
                  rows_removed bigint NOT NULL,
                  older_than timestamptz NOT NULL);
                CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit_checkpoints is append-only: % refused', TG_OP; END $$;
                CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
                  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
                CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
                  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only();

                CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'DELETE' AND current_setting('agents.audit_retention', true) = 'on'
                     AND OLD.id <= (SELECT max(through_id) FROM audit_checkpoints) THEN
                    RETURN OLD;
                  END IF;
                  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$;
                DROP TABLE audit_checkpoints;
                DROP FUNCTION audit_checkpoints_append_only();
                """);
        }
    }
}
