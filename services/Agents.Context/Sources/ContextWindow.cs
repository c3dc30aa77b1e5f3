namespace Agents.Context.Sources;

/// <summary>
/// The time span around the alert that context is gathered for (both ends included): a baseline from
/// <see cref="Start"/> to <see cref="IncidentStart"/>, and the incident window from there to <see cref="End"/>.
/// </summary>
public sealed record ContextWindow(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>Where the baseline ends and the incident window begins; the middle of the window unless set.</summary>
    public DateTimeOffset IncidentStart { get; init; } = Start + ((End - Start) / 2);

    /// <summary>
    /// From <see cref="ContextOptions.Lookback"/> before <paramref name="alertTime"/> to <see cref="ContextOptions.Lookahead"/>
    /// after it (never past <paramref name="now"/> when given, and never before the start); the incident window starts
    /// <see cref="ContextOptions.IncidentWindow"/> before the alert.
    /// </summary>
    public static ContextWindow Around(DateTimeOffset alertTime, ContextOptions options, DateTimeOffset? now = null)
    {
        var start = alertTime - options.Lookback;
        var end = alertTime + options.Lookahead;
        if (now is { } current && current < end)
        {
            end = current < alertTime ? alertTime : current;
        }

        var incidentStart = alertTime - options.IncidentWindow;
        if (incidentStart < start)
        {
            incidentStart = start;
        }

        return new ContextWindow(start, end) { IncidentStart = incidentStart };
    }

    public bool Contains(DateTimeOffset time) => time >= Start && time <= End;
}
