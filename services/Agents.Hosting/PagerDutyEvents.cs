using System.Text.Json.Nodes;

namespace Agents.Hosting;

/// <summary>
/// PagerDuty Events API v2 as the system uses it on two paths: the notification agent's PagerDuty channel, and the
/// orchestrator's emergency page, sent straight to PagerDuty when the orchestrator fails on an incident (the agent
/// may be what is down). Both page under the same <see cref="DedupKey"/>, so the two make one alert.
/// </summary>
public static class PagerDutyEvents
{
    /// <summary>The configuration section of the PagerDuty settings (<c>Notification__Channels__PagerDuty__*</c>).</summary>
    public const string Section = "Notification:Channels:PagerDuty";

    /// <summary>The default Events API address.</summary>
    public const string DefaultBaseUrl = "https://events.pagerduty.com/";

    /// <summary>PagerDuty's limit of a payload summary.</summary>
    public const int SummaryLimit = 1024;

    /// <summary>The alert's dedup key: <c>agents-incident-</c> and the incident id.</summary>
    public static string DedupKey(Guid incidentId) => "agents-incident-" + incidentId.ToString("D");

    /// <summary>The trigger event of an emergency page (the orchestrator failed on the incident), as JSON.</summary>
    public static JsonObject EmergencyTrigger(string routingKey, Guid incidentId, string reason, DateTimeOffset at)
    {
        var summary = $"EMERGENCY: the incident orchestrator failed on incident {incidentId:D}: {reason}".ReplaceLineEndings(" ");
        return new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = "trigger",
            ["dedup_key"] = DedupKey(incidentId),
            ["client"] = "Agents",
            ["payload"] = new JsonObject
            {
                ["summary"] = summary.Length <= SummaryLimit ? summary : string.Concat(summary.AsSpan(0, SummaryLimit - 1), "…"),
                ["source"] = "agents-orchestrator",
                ["severity"] = "critical",
                ["component"] = "orchestrator",
                ["class"] = "emergency",
                ["timestamp"] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["custom_details"] = new JsonObject { ["incident_id"] = incidentId.ToString("D") },
            },
        };
    }
}
