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

    /// <summary>A step ran out of attempts under an <c>onExhausted: fail</c> policy: ended unresolved, no human paged.</summary>
    public const string Failed = "Failed";

    public static IReadOnlyList<string> All { get; } =
        [Triaging, CollectingContext, Investigating, Remediating, Notifying, Resolved, Closed, Escalated, Failed];

    public static IReadOnlyList<string> Terminal { get; } = [Resolved, Closed, Escalated, Failed];
}
