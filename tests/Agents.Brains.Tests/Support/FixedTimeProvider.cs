namespace Agents.Brains.Tests.Support;

/// <summary>A clock that always reads the same time.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
