using Agents.Contracts.Alerts;

namespace Agents.Triage.Brain;

/// <summary>Finds the service an alert is about: its own service field, else the first of a few conventional labels.</summary>
public static class ServiceResolver
{
    /// <summary>The labels consulted, in order, when the alert names no service.</summary>
    public static IReadOnlyList<string> FallbackLabels { get; } = ["service", "app", "application", "job"];

    /// <summary>The service and where it was found (<c>service field</c>, <c>label app</c>, ...), or null when none is given.</summary>
    public static (string Service, string From)? Resolve(AlertPayload alert)
    {
        if (!string.IsNullOrWhiteSpace(alert.Service))
        {
            return (alert.Service.Trim(), "the alert's service field");
        }

        foreach (var label in FallbackLabels)
        {
            if (LabelLookup.Find(alert.Labels, label) is { } value)
            {
                return (value, $"the label '{label}'");
            }
        }

        return null;
    }
}
