using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ApiKeyRing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The API replicas' shared data-protection key ring (console sessions, form tokens), written by the API with
            // plain Npgsql like its audit trail, unqualified: in the first schema of the search path (public).
            migrationBuilder.Sql("""
                CREATE TABLE data_protection_keys (
                  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                  friendly_name text NULL,
                  xml text NOT NULL,
                  created_at timestamptz NOT NULL DEFAULT now());
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE data_protection_keys;");
        }
    }
}
