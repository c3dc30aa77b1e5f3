namespace Agents.Hosting.Catalog;

/// <summary>The PagerDuty service whose incident history is read.</summary>
public sealed record PagerDutyTarget
{
    public required string ServiceId { get; init; }
}
