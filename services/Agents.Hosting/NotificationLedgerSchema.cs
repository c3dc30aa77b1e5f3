namespace Agents.Hosting;

/// <summary>
/// The notification agent's delivery ledger, <c>notification.deliveries</c>: one row per (incident, event, channel,
/// target), claimed before the delivery is sent. Created by the orchestrator's migrations (run by the schema's owner in
/// a deployment, where the notification service's role has data rights only) and, when missing, by the notification
/// service itself at start (local runs, where it connects as the owner).
/// </summary>
public static class NotificationLedgerSchema
{
    public const string Schema = "notification";

    public const string Table = "notification.deliveries";

    /// <summary>Idempotent DDL: the schema and the table when they are missing.</summary>
    public const string Create = """
        CREATE SCHEMA IF NOT EXISTS notification;
        CREATE TABLE IF NOT EXISTS notification.deliveries (
            incident_id uuid NOT NULL,
            event_key text NOT NULL,
            channel text NOT NULL,
            target text NOT NULL,
            status text NOT NULL,
            attempts integer NOT NULL DEFAULT 1,
            claimed_at timestamptz NOT NULL,
            finished_at timestamptz,
            external_id text,
            error text,
            PRIMARY KEY (incident_id, event_key, channel, target));
        """;
}
