using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Agents.Hosting;

/// <summary>
/// The project's own activity source and meter, shared by every service, and the names of the attributes
/// its spans and measurements carry (docs/architecture.md, "Tracing").
/// </summary>
public static class AgentsTelemetry
{
    public const string Name = "Agents";

    /// <summary>The header in which the orchestrator hands the incident's severity to the agents' spans.</summary>
    public const string SeverityHeader = "Agents-Incident-Severity";

    public static ActivitySource ActivitySource { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    /// <summary>Attribute names on spans and measurements.</summary>
    public static class Tags
    {
        public const string IncidentId = "incident.id";
        public const string IncidentSeverity = "incident.severity";
        public const string IncidentStatus = "incident.status";
        public const string AgentName = "agent.name";
        public const string AgentBrain = "agent.brain";
        public const string StepAttempt = "step.attempt";
        public const string StepOutcome = "step.outcome";
        public const string TokenType = "gen_ai.token.type";
        public const string TokenCause = "tokens.cause";
        public const string InputTokens = "gen_ai.usage.input_tokens";
        public const string OutputTokens = "gen_ai.usage.output_tokens";
        public const string DeliberationId = "deliberation.id";
        public const string DeliberationKind = "deliberation.kind";
        public const string DeliberationRound = "deliberation.round";
        public const string StanceDecision = "stance.decision";
    }

    /// <summary>Values of <see cref="Tags.StepOutcome"/>.</summary>
    public static class Outcomes
    {
        public const string Ok = "ok";
        public const string Failed = "failed";
        public const string Invalid = "invalid";
        public const string TimedOut = "timed_out";
    }

    /// <summary>Time an agent's brain took to decide (the agent's own share of a step, without queueing).</summary>
    public static Histogram<double> AgentWorkDuration { get; } = Meter.CreateHistogram<double>(
        "agents.agent.work.duration", "s", "Time an agent took to decide, by agent and outcome (ok, failed).");

    /// <summary>Tags <paramref name="activity"/> with the incident it works on.</summary>
    public static Activity? TagIncident(this Activity? activity, Guid incidentId, string? severity)
    {
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(Tags.IncidentId, incidentId.ToString());
        if (!string.IsNullOrEmpty(severity))
        {
            activity.SetTag(Tags.IncidentSeverity, severity);
        }

        return activity;
    }
}
