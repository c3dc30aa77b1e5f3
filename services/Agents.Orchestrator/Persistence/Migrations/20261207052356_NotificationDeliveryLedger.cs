using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Agents.Orchestrator.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class NotificationDeliveryLedger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The notification agent's delivery ledger, made by the schema's owner like every table (the notification
            // service's role has data rights only in a deployment).
            migrationBuilder.Sql(Agents.Hosting.NotificationLedgerSchema.Create);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS notification.deliveries; DROP SCHEMA IF EXISTS notification;");
        }
    }
}
