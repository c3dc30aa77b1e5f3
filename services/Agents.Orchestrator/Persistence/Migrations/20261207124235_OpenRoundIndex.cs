using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class OpenRoundIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_deliberations_open_round",
                schema: "orchestrator",
                table: "deliberations",
                column: "round_started_at",
                filter: "status = 'Deliberating'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_deliberations_open_round",
                schema: "orchestrator",
                table: "deliberations");
        }
    }
}
