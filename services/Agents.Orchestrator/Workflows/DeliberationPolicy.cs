namespace Agents.Orchestrator.Workflows;

/// <summary>
/// The validated policy of one kind of deliberation (the <c>deliberations:</c> section of the workflow file): who
/// deliberates, how many of them must agree, for how many rounds, and how long a round waits for answers.
/// </summary>
public sealed record DeliberationPolicy
{
    public required string Kind { get; init; }

    /// <summary>The participants, each also the name of its queue; at least one, no duplicates.</summary>
    public required IReadOnlyList<string> Participants { get; init; }

    /// <summary>How many participants must give the same decision in one round; a strict majority of the participants.</summary>
    public required int Threshold { get; init; }

    public required int MaxRounds { get; init; }

    public required TimeSpan RoundTimeout { get; init; }

    /// <summary>The decisions a stance may give (lower case); empty when any decision is accepted.</summary>
    public IReadOnlyList<string> Decisions { get; init; } = [];
}

/// <summary>The deliberation policies of the workflow file, by kind.</summary>
public sealed record DeliberationPolicies(IReadOnlyDictionary<string, DeliberationPolicy> ByKind)
{
    public static DeliberationPolicies None { get; } = new(new Dictionary<string, DeliberationPolicy>());

    public static DeliberationPolicies Of(params DeliberationPolicy[] policies) =>
        new(policies.ToDictionary(p => p.Kind, StringComparer.Ordinal));

    public DeliberationPolicy? Find(string kind) => ByKind.GetValueOrDefault(kind);
}
