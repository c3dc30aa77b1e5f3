using System.Linq.Expressions;
using Agents.Contracts.Incidents;
using Agents.Orchestrator.Incidents;

namespace Agents.Orchestrator.Queries;

internal static class IncidentViews
{
    /// <summary>
    /// The only columns <see cref="Summary"/> reads: a list reads these, not each incident's context, timeline and
    /// revisions (IncidentQueryTests checks a summary of these equals one of the whole incident).
    /// </summary>
    public static readonly Expression<Func<IncidentState, IncidentState>> SummaryColumns = i => new IncidentState
    {
        CorrelationId = i.CorrelationId,
        CurrentState = i.CurrentState,
        Triage = i.Triage,
        Alert = i.Alert,
        Fingerprint = i.Fingerprint,
        AlertCount = i.AlertCount,
        CreatedAt = i.CreatedAt,
        UpdatedAt = i.UpdatedAt,
        AcknowledgedBy = i.AcknowledgedBy,
        AcknowledgedAt = i.AcknowledgedAt,
    };

    public static IncidentSummary Summary(IncidentState incident) => new()
    {
        IncidentId = incident.CorrelationId,
        Status = incident.CurrentState,
        Severity = incident.Triage?.Severity,
        Service = incident.Triage?.Service ?? incident.Alert.Service,
        Fingerprint = incident.Fingerprint,
        Title = incident.Alert.Summary,
        AlertCount = incident.AlertCount,
        CreatedAt = incident.CreatedAt,
        UpdatedAt = incident.UpdatedAt,
        AcknowledgedBy = incident.AcknowledgedBy,
        AcknowledgedAt = incident.AcknowledgedAt,
    };

    public static IncidentDetails Details(IncidentState incident) => new()
    {
        Summary = Summary(incident),
        TraceId = incident.TraceId,
        Workflow = incident.WorkflowName,
        WorkflowRule = incident.WorkflowRule,
        WorkflowVersion = incident.WorkflowVersion,
        EscalationReason = incident.EscalationReason,
        FailureReason = incident.FailureReason,
        Alert = incident.Alert,
        Triage = incident.Triage,
        Context = incident.Context,
        Hypothesis = incident.Hypothesis,
        Approval = incident.Approval,
        Verification = incident.Verification,
        Remediation = incident.Remediation,
        Steps = incident.StepResults,
        Notifications = incident.Notifications,
        Timeline = incident.Timeline,
        Tokens = incident.Tokens,
    };
}
