using Agents.Contracts.Incidents;
using Agents.Orchestrator.Incidents;

namespace Agents.Orchestrator.Queries;

internal static class IncidentViews
{
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
