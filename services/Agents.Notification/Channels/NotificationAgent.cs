using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Hosting.Agents;
using Agents.Hosting.Catalog;
using Agents.Notification.Brain;
using Microsoft.Extensions.Options;

namespace Agents.Notification.Channels;

/// <summary>
/// The notification agent's brain: writes the notification (rules, or the model's title and summary), then delivers it
/// to the channels its route names (<see cref="NotificationDispatcher"/>). The step fails only when no channel could
/// deliver it, so that the workflow's policy (another attempt, then the escalation) applies; the notification on the
/// incident says per channel what was delivered, when, and what failed.
/// </summary>
public sealed class NotificationAgent(
    INotificationWriter writer, NotificationDispatcher dispatcher, ServiceCatalog catalog, IOptions<NotificationOptions> options, ILogger<NotificationAgent> logger)
    : IAgentBrain<NotifyIncident, NotificationRecord>
{
    public string Kind => writer.Kind;

    public async Task<AgentOutcome<NotificationRecord>> DecideAsync(NotifyIncident command, CancellationToken cancellationToken)
    {
        var outcome = await writer.DecideAsync(command, cancellationToken);
        if (outcome.Result is not { } notification)
        {
            return outcome;
        }

        var message = Message(command, notification);
        var deliveries = await dispatcher.DispatchAsync(message, cancellationToken);
        var record = notification with
        {
            Deliveries = deliveries,
            Channels = deliveries.Where(d => d.Status is ChannelDeliveryStatuses.Delivered or ChannelDeliveryStatuses.AlreadyDelivered)
                .Select(d => d.Target.Length == 0 ? d.Channel : $"{d.Channel}:{d.Target}").ToList(),
        };
        if (NotificationDispatcher.Reached(deliveries))
        {
            return AgentOutcome<NotificationRecord>.Success(record, outcome.Tokens);
        }

        var reasons = string.Join("; ", deliveries.Select(d => $"{d.Channel}: {d.Detail ?? d.Status}"));
        NotificationLog.Unreached(logger, command.IncidentId, message.EventKey, reasons);
        return AgentOutcome<NotificationRecord>.Failure($"no channel delivered the {command.Kind} notification: {reasons}", outcome.Tokens);
    }

    private ChannelMessage Message(NotifyIncident command, NotificationRecord notification)
    {
        var incident = command.Incident;
        var alert = incident.Alert;
        var details = new Dictionary<string, string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                details[key] = value;
            }
        }

        Add("status", incident.Status);
        Add("severity", incident.Triage?.Severity ?? alert?.Severity);
        Add("service", incident.Triage?.Service ?? alert?.Service);
        Add("error type", incident.Triage?.ErrorType);
        Add("why", command.Reason ?? incident.EscalationReason);
        Add("hypothesis", incident.Hypothesis is { } h ? $"{h.Category} ({h.Confidence:0.00}): {h.Summary}" : null);
        Add("remediation", incident.Remediation is { } r ? $"{r.ActionId}{(r.DryRun ? " (dry run)" : "")}: {r.Outcome}" : null);
        Add("alert", alert?.Summary);
        return new ChannelMessage
        {
            IncidentId = command.IncidentId,
            Event = command.Kind,
            EventKey = command.EventKey ?? command.Kind,
            Priority = notification.Priority,
            Status = incident.Status,
            Title = notification.Title,
            Summary = notification.Summary,
            Severity = incident.Triage?.Severity ?? alert?.Severity,
            Service = incident.Triage?.Service ?? alert?.Service,
            Step = command.Step,
            Team = alert is null ? null : catalog.Match(alert)?.Entry.Team,
            Source = alert?.Source,
            IncidentUrl = options.Value.IncidentUrl(command.IncidentId),
            // The command is handled inside the incident's trace: its id is the incident's.
            TraceUrl = options.Value.TraceUrl(System.Diagnostics.Activity.Current?.TraceId.ToString()),
            RunbookUrl = options.Value.RunbookUrl(incident.Remediation?.ActionId),
            Details = details,
            At = notification.SentAt,
        };
    }
}
