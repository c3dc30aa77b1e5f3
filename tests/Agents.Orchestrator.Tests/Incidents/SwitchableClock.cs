namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>The system clock, until a test breaks it to make the saga fault.</summary>
internal sealed class SwitchableClock : TimeProvider
{
    public volatile bool Broken;

    public override DateTimeOffset GetUtcNow() =>
        Broken ? throw new InvalidOperationException("the clock is broken (test)") : System.GetUtcNow();
}
