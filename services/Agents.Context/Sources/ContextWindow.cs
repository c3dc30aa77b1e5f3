namespace Agents.Context.Sources;

/// <summary>The time span around the alert that context is gathered for (both ends included).</summary>
public sealed record ContextWindow(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>From <see cref="ContextOptions.Lookback"/> before <paramref name="alertTime"/> to <see cref="ContextOptions.Lookahead"/> after it.</summary>
    public static ContextWindow Around(DateTimeOffset alertTime, ContextOptions options) =>
        new(alertTime - options.Lookback, alertTime + options.Lookahead);

    public bool Contains(DateTimeOffset time) => time >= Start && time <= End;
}
