using System.Runtime.CompilerServices;
using System.Text.Json;
using Agents.Contracts.Alerts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using Agents.Orchestrator.Deliberations;
using Agents.Orchestrator.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Agents.Orchestrator.Persistence;

/// <summary>
/// The orchestrator's PostgreSQL store: one row per incident in <c>incidents</c>, one per deliberation in <c>deliberations</c>. Scalar fields are columns an
/// operator can query; each agent's segment (and the timeline) is a <c>jsonb</c> column. Concurrency is
/// optimistic on the row's <c>xmin</c>.
/// </summary>
public sealed class IncidentDbContext(DbContextOptions<IncidentDbContext> options) : DbContext(options)
{
    public const string Schema = "orchestrator";

    public DbSet<IncidentState> Incidents => Set<IncidentState>();

    public DbSet<DeliberationState> Deliberations => Set<DeliberationState>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        var incident = modelBuilder.Entity<IncidentState>();
        incident.ToTable("incidents");
        incident.HasKey(i => i.CorrelationId);
        incident.Property(i => i.CorrelationId).HasColumnName("incident_id").ValueGeneratedNever();
        incident.Property(i => i.RowVersion).IsRowVersion();
        incident.Ignore(i => i.Version);

        incident.Property(i => i.CurrentState).HasColumnName("status").HasMaxLength(64).IsRequired();
        incident.Property(i => i.Fingerprint).HasColumnName("fingerprint").HasMaxLength(AlertLimits.MaxFingerprintLength).IsRequired();
        incident.Property(i => i.IsOpen).HasColumnName("is_open");
        incident.Property(i => i.AlertCount).HasColumnName("alert_count");
        incident.Property(i => i.RecentAlertIds).HasColumnName("recent_alert_ids").IsRequired();
        incident.Property(i => i.CreatedAt).HasColumnName("created_at");
        incident.Property(i => i.UpdatedAt).HasColumnName("updated_at");
        incident.Property(i => i.TraceId).HasColumnName("trace_id").HasMaxLength(64);
        incident.Property(i => i.TraceParent).HasColumnName("trace_parent").HasMaxLength(128);
        incident.Property(i => i.StepTraceParent).HasColumnName("step_trace_parent").HasMaxLength(128);
        incident.Property(i => i.CurrentStep).HasColumnName("current_step").HasMaxLength(64).IsRequired();
        incident.Property(i => i.StepAttempt).HasColumnName("step_attempt");
        incident.Property(i => i.StepStartedAt).HasColumnName("step_started_at");
        incident.Property(i => i.NotificationKind).HasColumnName("notification_kind").HasMaxLength(64);
        incident.Property(i => i.PendingOutcome).HasColumnName("pending_outcome").HasMaxLength(64);
        incident.Property(i => i.EscalationReason).HasColumnName("escalation_reason");
        incident.Property(i => i.FailureReason).HasColumnName("failure_reason");
        incident.Property(i => i.SourceResolved).HasColumnName("source_resolved");
        incident.Property(i => i.AcknowledgedBy).HasColumnName("acknowledged_by");
        incident.Property(i => i.AcknowledgedAt).HasColumnName("acknowledged_at");
        incident.Property(i => i.StepTimeoutTokenId).HasColumnName("step_timeout_token_id");
        incident.Property(i => i.StepDeadline).HasColumnName("step_deadline");
        incident.Property(i => i.ApprovalRequests).HasColumnName("approval_requests");
        incident.Property(i => i.ApprovalDeliberationId).HasColumnName("approval_deliberation_id");
        incident.Property(i => i.WorkflowName).HasColumnName("workflow_name").HasMaxLength(128);
        incident.Property(i => i.WorkflowVersion).HasColumnName("workflow_version").HasMaxLength(32);
        incident.Property(i => i.WorkflowRule).HasColumnName("workflow_rule").HasMaxLength(256);

        Json(incident.Property(i => i.Alert).HasColumnName("alert").IsRequired());
        Json(incident.Property(i => i.Triage).HasColumnName("triage"));
        Json(incident.Property(i => i.Context).HasColumnName("context"));
        Json(incident.Property(i => i.Hypothesis).HasColumnName("hypothesis"));
        Json(incident.Property(i => i.Approval).HasColumnName("approval"));
        Json(incident.Property(i => i.Remediation).HasColumnName("remediation"));
        incident.Property(i => i.RemediationAttempts).HasColumnName("remediation_attempts");
        Json(incident.Property(i => i.Verification).HasColumnName("verification"));
        Json(incident.Property(i => i.Notifications).HasColumnName("notifications").IsRequired());
        Json(incident.Property(i => i.Timeline).HasColumnName("timeline").IsRequired());
        Json(incident.Property(i => i.Revisions).HasColumnName("revisions").IsRequired());
        Json(incident.Property(i => i.Tokens).HasColumnName("tokens").IsRequired());
        Json(incident.Property(i => i.Workflow).HasColumnName("workflow"));
        Json(incident.Property(i => i.StepResults).HasColumnName("step_results").IsRequired());

        // A burst of identical alerts opens one incident: the losers of the race hit this index and are retried,
        // and then find the open incident and attach to it.
        incident.HasIndex(i => i.Fingerprint, "ux_incidents_open_fingerprint").IsUnique().HasFilter("is_open");
        // An alert read again after its incident ended finds that incident by its recent alert ids (built without
        // blocking writes: the table may be large when this arrives).
        incident.HasIndex(i => i.RecentAlertIds, "ix_incidents_recent_alert_ids").HasMethod("gin").IsCreatedConcurrently();
        incident.HasIndex(i => new { i.CurrentState, i.CreatedAt }).HasDatabaseName("ix_incidents_status_created");
        incident.HasIndex(i => i.CreatedAt).HasDatabaseName("ix_incidents_created");
        // The overdue sweep reads the earliest deadlines of incidents in flight.
        incident.HasIndex(i => i.StepDeadline).HasDatabaseName("ix_incidents_step_deadline").HasFilter("step_deadline IS NOT NULL");
        // The approval deliberation's conclusion finds its incident by this id.
        incident.HasIndex(i => i.ApprovalDeliberationId).HasDatabaseName("ix_incidents_approval_deliberation").IsUnique()
            .HasFilter("approval_deliberation_id IS NOT NULL");

        MapDeliberations(modelBuilder);

        var page = modelBuilder.Entity<EmergencyPage>();
        page.ToTable("emergency_pages");
        page.HasKey(p => p.IncidentId);
        page.Property(p => p.IncidentId).HasColumnName("incident_id").ValueGeneratedNever();
        page.Property(p => p.PagedAt).HasColumnName("paged_at");
        page.Property(p => p.Reason).HasColumnName("reason").IsRequired();
    }

    /// <summary>One row per deliberation: the policy it runs under and its outcome as columns, the stances as <c>jsonb</c>.</summary>
    private static void MapDeliberations(ModelBuilder modelBuilder)
    {
        var deliberation = modelBuilder.Entity<DeliberationState>();
        deliberation.ToTable("deliberations");
        deliberation.HasKey(d => d.CorrelationId);
        deliberation.Property(d => d.CorrelationId).HasColumnName("deliberation_id").ValueGeneratedNever();
        deliberation.Property(d => d.RowVersion).IsRowVersion();
        deliberation.Ignore(d => d.Version);

        deliberation.Property(d => d.CurrentState).HasColumnName("status").HasMaxLength(64).IsRequired();
        deliberation.Property(d => d.Kind).HasColumnName("kind").HasMaxLength(128).IsRequired();
        deliberation.Property(d => d.Summary).HasColumnName("summary").IsRequired();
        deliberation.Property(d => d.RequestedBy).HasColumnName("requested_by").HasMaxLength(512)
            .HasConversion(uri => uri == null ? null : uri.ToString(), text => text == null ? null : new Uri(text, UriKind.RelativeOrAbsolute));
        deliberation.Property(d => d.Threshold).HasColumnName("threshold");
        deliberation.Property(d => d.MaxRounds).HasColumnName("max_rounds");
        deliberation.Property(d => d.RoundTimeout).HasColumnName("round_timeout");
        deliberation.Property(d => d.Round).HasColumnName("round");
        deliberation.Property(d => d.RoundStartedAt).HasColumnName("round_started_at");
        deliberation.Property(d => d.Decision).HasColumnName("decision").HasMaxLength(128);
        deliberation.Property(d => d.Confidence).HasColumnName("confidence");
        deliberation.Property(d => d.Reason).HasColumnName("reason");
        deliberation.Property(d => d.CreatedAt).HasColumnName("created_at");
        deliberation.Property(d => d.UpdatedAt).HasColumnName("updated_at");
        deliberation.Property(d => d.RoundTimeoutTokenId).HasColumnName("round_timeout_token_id");
        deliberation.Property(d => d.TimeoutRound).HasColumnName("timeout_round");

        Json(deliberation.Property(d => d.Subject).HasColumnName("subject").IsRequired());
        Json(deliberation.Property(d => d.Participants).HasColumnName("participants").IsRequired());
        Json(deliberation.Property(d => d.Decisions).HasColumnName("decisions").IsRequired());
        Json(deliberation.Property(d => d.CurrentStances).HasColumnName("current_stances").IsRequired());
        Json(deliberation.Property(d => d.Rounds).HasColumnName("rounds").IsRequired());
        Json(deliberation.Property(d => d.Ignored).HasColumnName("ignored").IsRequired());
        Json(deliberation.Property(d => d.Tokens).HasColumnName("tokens").IsRequired());

        deliberation.HasIndex(d => new { d.Kind, d.CurrentState, d.CreatedAt }).HasDatabaseName("ix_deliberations_kind_status_created");
        // The overdue sweep reads the rounds still open (a few) every few seconds, not the whole retained table.
        deliberation.HasIndex(d => d.RoundStartedAt).HasDatabaseName("ix_deliberations_open_round").HasFilter("status = 'Deliberating'");
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Stores the property as <c>jsonb</c>. Its values are immutable (records with <c>init</c> properties and read-only
    /// collections; the saga changes a segment, the timeline or the revisions by assigning a new value), so a change is
    /// a new reference: the snapshot is the loaded reference itself and the comparison is by reference. Comparing by the
    /// JSON instead (serialising both sides, and deep-copying each value for its snapshot) cost a quarter of the
    /// orchestrator's processor time per saga message (measured with tests/Agents.Orchestrator.Bench).
    /// JsonColumnTypesTests in the orchestrator tests keeps the types that way.
    /// </summary>
    private static void Json<T>(PropertyBuilder<T> property)
    {
        property.HasColumnType("jsonb").HasConversion(
            value => JsonSerializer.Serialize(value, JsonOptions),
            json => JsonSerializer.Deserialize<T>(json, JsonOptions)!,
            new ValueComparer<T>(
                (a, b) => ReferenceEquals(a, b),
                v => v == null ? 0 : RuntimeHelpers.GetHashCode(v),
                v => v));
    }
}
