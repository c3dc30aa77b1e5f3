using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <summary>
    /// Retention of the audit trail (<c>Retention__AuditLog</c>): the oldest rows of <c>audit_log</c> may be deleted, and
    /// only through a checkpoint. <c>audit_checkpoints</c> (append-only) records each cut: through which row, that row's
    /// hash (what the first row kept names as its previous hash), how many rows went and why; a trigger checks that it
    /// names a real cut (not the newest row, that row's hash, rows all older than it says, rows that still chain). The
    /// trigger on <c>audit_log</c> lets a DELETE through only in the transaction that wrote the newest checkpoint (and set
    /// <c>agents.audit_retention</c>), for rows up to it; updates and truncation are still refused.
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
                  older_than timestamptz NOT NULL,
                  written_in bigint NOT NULL);
                CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit_checkpoints is append-only: % refused', TG_OP; END $$;
                CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
                  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
                CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
                  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only();

                -- A checkpoint must name a real cut: not the newest row, the row's own hash, only rows older than it says,
                -- and rows that still chain from the checkpoint before (a row removed or re-chained stops the cut).
                CREATE FUNCTION audit_checkpoints_check() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE previous text;
                BEGIN
                  IF NEW.through_id >= (SELECT max(id) FROM audit_log) THEN
                    RAISE EXCEPTION 'audit_checkpoints: row % is the newest of audit_log and stays', NEW.through_id;
                  END IF;
                  IF NEW.through_hash IS DISTINCT FROM (SELECT hash FROM audit_log WHERE id = NEW.through_id) THEN
                    RAISE EXCEPTION 'audit_checkpoints: not the hash of row %', NEW.through_id;
                  END IF;
                  IF EXISTS (SELECT 1 FROM audit_log WHERE id <= NEW.through_id AND at >= NEW.older_than) THEN
                    RAISE EXCEPTION 'audit_checkpoints: rows up to % are not all older than %', NEW.through_id, NEW.older_than;
                  END IF;
                  previous := coalesce((SELECT through_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1), repeat('0', 64));
                  IF EXISTS (SELECT 1 FROM (SELECT prev_hash, lag(hash, 1, previous) OVER (ORDER BY id) AS expected
                                            FROM audit_log WHERE id <= NEW.through_id) chain
                             WHERE chain.prev_hash IS DISTINCT FROM chain.expected) THEN
                    RAISE EXCEPTION 'audit_checkpoints: the rows up to % do not chain (one was removed or re-chained); nothing is cut', NEW.through_id;
                  END IF;
                  NEW.written_in := txid_current();
                  RETURN NEW;
                END $$;
                CREATE TRIGGER audit_checkpoints_check BEFORE INSERT ON audit_checkpoints
                  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_check();

                -- Rows of audit_log may be deleted only in the transaction that wrote the newest checkpoint, up to its row.
                CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE cut record;
                BEGIN
                  IF TG_OP = 'DELETE' AND current_setting('agents.audit_retention', true) = 'on' THEN
                    SELECT through_id, written_in INTO cut FROM audit_checkpoints ORDER BY id DESC LIMIT 1;
                    IF FOUND AND cut.written_in = txid_current() AND OLD.id <= cut.through_id THEN
                      RETURN OLD;
                    END IF;
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
                DROP FUNCTION audit_checkpoints_check();
                """);
        }
    }
}
