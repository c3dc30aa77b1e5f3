using Agents.Contracts.Remediation;

namespace Agents.Hosting.Catalog;

/// <summary>
/// How the remediation service may act on a service: the catalog entry's <c>remediation</c> section
/// (<c>deploy/services.yaml</c> documents it). Keys left out of a service's section take the default entry's values.
/// </summary>
public sealed record RemediationSettings
{
    public static readonly TimeSpan DefaultCooldown = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultApprovalTimeout = TimeSpan.FromMinutes(15);

    /// <summary>One of <see cref="RemediationModes"/>; null: the service's configured default (<c>Remediation__DefaultMode</c>).</summary>
    public string? Mode { get; init; }

    /// <summary>The runbook actions that may act on the service; null: every action of the runbook catalog.</summary>
    public IReadOnlyList<string>? Actions { get; init; }

    /// <summary>No second executed action on the same target within this.</summary>
    public TimeSpan Cooldown { get; init; } = DefaultCooldown;

    /// <summary>Mode approve: how long an approval request stays open.</summary>
    public TimeSpan ApprovalTimeout { get; init; } = DefaultApprovalTimeout;

    /// <summary>How an executed action is verified; null: by the alert source's resolved signal only, with the default times.</summary>
    public RemediationVerification? Verify { get; init; }

    /// <summary>When nothing may be executed on the service.</summary>
    public IReadOnlyList<FreezeWindow> Freeze { get; init; } = [];

    /// <summary>True when <paramref name="actionId"/> may act on the service (<see cref="Actions"/> lists it, or lists nothing).</summary>
    public bool Allows(string actionId) => Actions is null || Actions.Contains(actionId, StringComparer.Ordinal);
}

/// <summary>
/// A freeze window of a service: either once, from one instant to another (<see cref="Start"/>, <see cref="End"/>), or
/// every listed day between two times of day in a time zone (<see cref="Days"/>, <see cref="DailyFrom"/>,
/// <see cref="DailyTo"/>, <see cref="TimeZone"/>).
/// </summary>
public sealed record FreezeWindow
{
    /// <summary>A window once: its first instant.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>A window once: the instant it ends (not included).</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>A daily window: the days it applies on; empty means every day.</summary>
    public IReadOnlyList<DayOfWeek> Days { get; init; } = [];

    /// <summary>A daily window: its first minute, in <see cref="TimeZone"/>.</summary>
    public TimeOnly? DailyFrom { get; init; }

    /// <summary>A daily window: its last minute, in <see cref="TimeZone"/> (included up to the minute's end).</summary>
    public TimeOnly? DailyTo { get; init; }

    /// <summary>A daily window: the time zone its times are in (UTC when not given).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    public string? Reason { get; init; }

    public bool IsDaily => DailyFrom is not null;

    /// <summary>True when <paramref name="at"/> falls in the window.</summary>
    public bool Covers(DateTimeOffset at)
    {
        if (!IsDaily)
        {
            return at >= Start && at < End;
        }

        var local = TimeZoneInfo.ConvertTime(at, TimeZone);
        if (Days.Count > 0 && !Days.Contains(local.DayOfWeek))
        {
            return false;
        }

        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var last = DailyTo!.Value;
        return time >= DailyFrom!.Value && (last >= new TimeOnly(23, 59) || time < last.AddMinutes(1));
    }

    /// <summary>The window for people, e.g. <c>fri, sat, sun 16:00-23:59 UTC (weekend)</c>.</summary>
    public string Describe()
    {
        var when = IsDaily
            ? $"{(Days.Count == 0 ? "every day" : string.Join(", ", Days.Select(d => d.ToString()[..3].ToLowerInvariant())))} {DailyFrom!.Value:HH\\:mm}-{DailyTo!.Value:HH\\:mm} {TimeZone.Id}"
            : $"{Start!.Value.UtcDateTime:yyyy-MM-dd HH\\:mm} to {End!.Value.UtcDateTime:yyyy-MM-dd HH\\:mm} UTC";

        return Reason is null ? when : $"{when} ({Reason})";
    }
}
