using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RemediationExecutionAndVerification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "remediation_attempts",
                schema: "orchestrator",
                table: "incidents",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "verification",
                schema: "orchestrator",
                table: "incidents",
                type: "jsonb",
                nullable: true);

            // The remediation agent's execution ledger and the kill switch, made by the schema's owner like every table
            // (the remediation service's role has data rights only in a deployment).
            migrationBuilder.Sql(Agents.Hosting.RemediationLedgerSchema.Create);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS remediation.executions; DROP TABLE IF EXISTS remediation.kill_switch; DROP SCHEMA IF EXISTS remediation;");

            migrationBuilder.DropColumn(
                name: "remediation_attempts",
                schema: "orchestrator",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "verification",
                schema: "orchestrator",
                table: "incidents");
        }
    }
}
