namespace Agents.Contracts.Context;

/// <summary>A context source that was asked and gave nothing: why (an error, a timeout, a refusal), never a credential.</summary>
public sealed record SourceFailure
{
    public required string Source { get; init; }

    public required string Reason { get; init; }

    public bool TimedOut { get; init; }
}
