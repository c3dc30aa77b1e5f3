namespace Agents.Orchestrator.Workflows;

/// <summary>
/// How the orchestrator treats one agent's step: how long it waits for a reply, how many attempts it makes, and what
/// it does once the last attempt failed (<see cref="ExhaustedPolicies"/>).
/// </summary>
public sealed record StepPolicy(TimeSpan Timeout, int Attempts, string OnExhausted = ExhaustedPolicies.Escalate);

/// <summary>What happens after a step's last attempt failed.</summary>
public static class ExhaustedPolicies
{
    /// <summary>The incident escalates: a human is paged and the incident ends <c>Escalated</c> (the default).</summary>
    public const string Escalate = "escalate";

    /// <summary>The incident ends <c>Failed</c> with the reason in its timeline; nobody is paged.</summary>
    public const string Fail = "fail";

    public static IReadOnlyList<string> All { get; } = [Escalate, Fail];
}
