using System.Text.Json;

namespace Agents.Contracts.Deliberation;

/// <summary>
/// Sent by the orchestrator to a participant's queue (named after the participant) once per round. The participant
/// answers by publishing <see cref="StanceGiven"/> with the same deliberation id, round and participant.
/// </summary>
public sealed record StanceRequested
{
    public required Guid DeliberationId { get; init; }

    /// <summary>The round, from 1.</summary>
    public required int Round { get; init; }

    /// <summary>The participant asked (its queue's name).</summary>
    public required string Participant { get; init; }

    public required string Kind { get; init; }

    public required JsonElement Subject { get; init; }

    public required string Summary { get; init; }

    /// <summary>The allowed decisions of the policy; empty when any decision is accepted.</summary>
    public IReadOnlyList<string> Decisions { get; init; } = [];

    /// <summary>The other participants' stances of the previous round, with their reasons (empty in round 1).</summary>
    public IReadOnlyList<Stance> OtherStances { get; init; } = [];
}
