namespace Agents.Contracts.Incidents;

public static class IncidentStatuses
{
    public const string Triaging = "Triaging";
    public const string CollectingContext = "CollectingContext";
    public const string Investigating = "Investigating";
    public const string Remediating = "Remediating";
    public const string Notifying = "Notifying";
    public const string Resolved = "Resolved";
    public const string Closed = "Closed";
    public const string Escalated = "Escalated";

    public static IReadOnlyList<string> All { get; } =
        [Triaging, CollectingContext, Investigating, Remediating, Notifying, Resolved, Closed, Escalated];

    public static IReadOnlyList<string> Terminal { get; } = [Resolved, Closed, Escalated];
}
