namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>
/// The system clock moved on by what the test moved the scheduler's clock (so that the saga sees the time its timeouts
/// fire at), until a test breaks it to make the saga fault.
/// </summary>
internal sealed class SwitchableClock : TimeProvider
{
    private long _offsetTicks;

    public volatile bool Broken;

    /// <summary>How far the clock is ahead of the system clock.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() =>
        Broken ? throw new InvalidOperationException("the clock is broken (test)") : System.GetUtcNow() + Offset;
}
