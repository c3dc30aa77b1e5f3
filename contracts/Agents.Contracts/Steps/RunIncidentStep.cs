using System.Text.Json;

namespace Agents.Contracts.Steps;

/// <summary>
/// The command of a plug-in step: a step of a workflow whose agent the orchestrator does not know (see
/// <c>docs/plugin-agents.md</c>). Sent to the agent's own queue (the step's <c>agent:</c>, else its name); the agent
/// answers with <see cref="IncidentStepCompleted"/> or <see cref="IncidentStepFailed"/> for the same incident, step and
/// attempt. Plain JSON in MassTransit's envelope on RabbitMQ, so such an agent can be written in any language.
/// </summary>
public sealed record RunIncidentStep
{
    public required Guid IncidentId { get; init; }

    /// <summary>1 for the first try; the reply must carry it back, a reply to an older attempt is ignored.</summary>
    public required int Attempt { get; init; }

    /// <summary>The step's name in the workflow (also the name of the segment its result becomes).</summary>
    public required string Step { get; init; }

    /// <summary>The workflow the incident runs.</summary>
    public required string Workflow { get; init; }

    /// <summary>The step's <c>settings:</c> from the workflow file, as JSON (an empty object when it has none).</summary>
    public required JsonElement Settings { get; init; }

    /// <summary>
    /// The incident's segments so far, as JSON: <c>incidentId</c>, <c>status</c>, <c>alert</c>, <c>triage</c>,
    /// <c>context</c>, <c>hypothesis</c>, <c>remediation</c> (each null until written) and <c>steps</c>, the results of
    /// the plug-in steps before this one by step name.
    /// </summary>
    public required JsonElement Incident { get; init; }

    /// <summary>Why the previous attempt failed, on a retry; null on the first attempt.</summary>
    public string? PreviousFailure { get; init; }
}

/// <summary>A plug-in step's result: any JSON object (at most <see cref="StepLimits.MaxResultBytes"/>), which becomes the step's segment.</summary>
public sealed record IncidentStepCompleted : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Step { get; init; }

    public required JsonElement Result { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

/// <summary>A plug-in step failed with a reason: the step's policy applies (another attempt, then escalate or fail).</summary>
public sealed record IncidentStepFailed : IStepReply
{
    public required Guid IncidentId { get; init; }

    public required int Attempt { get; init; }

    public required string Step { get; init; }

    public required string Reason { get; init; }

    public TokenUsage Tokens { get; init; } = TokenUsage.None;
}

/// <summary>The bounds the orchestrator checks on a plug-in step's reply.</summary>
public static class StepLimits
{
    /// <summary>The largest result a plug-in step may write, as serialized JSON.</summary>
    public const int MaxResultBytes = 64 * 1024;

    /// <summary>The longest failure reason kept; a longer one is cut.</summary>
    public const int MaxReasonLength = 2000;
}
