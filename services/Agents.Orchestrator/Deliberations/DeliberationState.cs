using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using MassTransit;

namespace Agents.Orchestrator.Deliberations;

/// <summary>
/// One deliberation as the orchestrator keeps it. The policy (participants, threshold, rounds, timeout) is copied in
/// when it starts, so that a changed workflow file never changes a deliberation in flight. Lists are replaced, never
/// mutated.
/// </summary>
public sealed class DeliberationState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }

    /// <summary>Version for the in-memory repository (saga unit tests).</summary>
    public int Version { get; set; }

    /// <summary>PostgreSQL's <c>xmin</c> of the row: the optimistic concurrency token of the saga store.</summary>
    public uint RowVersion { get; set; }

    public string CurrentState { get; set; } = null!;

    public string Kind { get; set; } = null!;

    public string Summary { get; set; } = null!;

    public JsonElement Subject { get; set; }

    public Uri? RequestedBy { get; set; }

    public IReadOnlyList<string> Participants { get; set; } = [];

    public int Threshold { get; set; }

    public int MaxRounds { get; set; }

    public TimeSpan RoundTimeout { get; set; }

    /// <summary>The decisions a stance may give; empty when any is accepted.</summary>
    public IReadOnlyList<string> Decisions { get; set; } = [];

    /// <summary>The round in progress, or the last one once ended (0 when refused).</summary>
    public int Round { get; set; }

    public DateTimeOffset RoundStartedAt { get; set; }

    /// <summary>The answers of the round in progress so far (a malformed one is kept as silent).</summary>
    public IReadOnlyList<Stance> CurrentStances { get; set; } = [];

    /// <summary>Every finished round, oldest first.</summary>
    public IReadOnlyList<DeliberationRound> Rounds { get; set; } = [];

    /// <summary>Stances that were not counted, with the reason.</summary>
    public IReadOnlyList<IgnoredStance> Ignored { get; set; } = [];

    public string? Decision { get; set; }

    public double? Confidence { get; set; }

    /// <summary>Why the deliberation ended without a decision (no consensus, refused).</summary>
    public string? Reason { get; set; }

    /// <summary>The model tokens the participants reported, ignored answers included.</summary>
    public TokenUsage Tokens { get; set; } = TokenUsage.None;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public Guid? RoundTimeoutTokenId { get; set; }

    /// <summary>The round whose timeout has been scheduled (0: none yet).</summary>
    public int TimeoutRound { get; set; }
}
