using System.Diagnostics;
using System.Diagnostics.Metrics;
using Agents.Contracts;
using Agents.Hosting;
using MassTransit;
using Tags = Agents.Hosting.AgentsTelemetry.Tags;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// What the orchestrator reports about the steps it runs: a span per step (from dispatch to the reply, the
/// timeout or the invalid answer) and the metrics that answer "which agent is slow, which times out, how many
/// tokens are we spending". Everything is reported once the incident is saved (<see cref="AfterConsume"/>), so
/// that a consume retried after a concurrency conflict counts once.
/// </summary>
internal static class IncidentTelemetry
{
    private static readonly Meter Meter = AgentsTelemetry.Meter;

    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>(
        "agents.step.duration", "s", "Time from dispatching a step to its outcome, by agent and outcome (ok, failed, invalid, timed_out).");

    public static readonly Counter<long> StepOutcomes = Meter.CreateCounter<long>(
        "agents.step.outcomes", "{step}", "Step attempts by agent and outcome (ok, failed, invalid, timed_out).");

    public static readonly Counter<long> StepRetries = Meter.CreateCounter<long>(
        "agents.step.retries", "{retry}", "Step attempts after the first, by agent.");

    public static readonly Counter<long> Escalations = Meter.CreateCounter<long>(
        "agents.escalations", "{incident}", "Incidents handed to a human, by the agent whose step escalated.");

    public static readonly Counter<long> IncidentsEnded = Meter.CreateCounter<long>(
        "agents.incidents.ended", "{incident}", "Incidents that reached a terminal status, by status.");

    public static readonly Histogram<double> TimeToTerminal = Meter.CreateHistogram<double>(
        "agents.incident.time_to_terminal", "s", "Time from the alert to the terminal status, by status.");

    public static readonly Counter<long> Acknowledgements = Meter.CreateCounter<long>(
        "agents.incidents.acknowledged", "{incident}", "Incidents an operator acknowledged, by the status they had then.");

    public static readonly Counter<long> ResolvedByOperators = Meter.CreateCounter<long>(
        "agents.incidents.resolved_by_operator", "{incident}",
        "Ended incidents (Escalated, Failed) an operator resolved (status Resolved), or the orchestrator closed past their maximum open age "
        + "(status Closed); each was counted in agents.incidents.ended when it first ended.");

    public static readonly Counter<long> Tokens = Meter.CreateCounter<long>(
        "agents.tokens", "{token}", "Model tokens the agents reported, by agent, type (input, output) and cause (work, orchestration).");

    /// <summary>
    /// The last count of incidents in flight (<see cref="Persistence.InFlightIncidentsGauge"/>), per status; null while
    /// none succeeded, so that no stale figure is exported.
    /// </summary>
    public static IReadOnlyList<InFlightCount>? InFlight { get; set; }

    public static readonly ObservableGauge<long> InFlightIncidents = Meter.CreateObservableGauge(
        "agents.incidents.in_flight", () => (InFlight ?? []).Select(c => new Measurement<long>(c.Count, StatusTag(c.Status))),
        "{incident}", "Incidents not in a terminal status, by status (from the store; the same on every orchestrator).");

    public static readonly ObservableGauge<double> OldestInFlight = Meter.CreateObservableGauge(
        "agents.incidents.in_flight.oldest_age", () => (InFlight ?? []).Select(c => new Measurement<double>(c.OldestAgeSeconds, StatusTag(c.Status))),
        "s", "Age of the oldest incident not in a terminal status, by status (from the store; the same on every orchestrator).");

    /// <summary>One status's incidents in flight: how many, and how long ago the oldest was created.</summary>
    public sealed record InFlightCount(string Status, long Count, double OldestAgeSeconds);

    private static KeyValuePair<string, object?> StatusTag(string status) => new(Tags.IncidentStatus, status);

    /// <summary>Reports the end of the awaited step of <paramref name="incident"/> with <paramref name="outcome"/>.</summary>
    public static void StepEnded(PipeContext context, IncidentState incident, string outcome, string? reason, DateTimeOffset now)
    {
        var (id, step, attempt, started) = (incident.CorrelationId, incident.CurrentStep, incident.StepAttempt, incident.StepStartedAt);
        var parent = incident.StepTraceParent ?? Activity.Current?.Id;
        var severity = Severity(incident);
        context.AfterConsumed(() =>
        {
            var agent = new KeyValuePair<string, object?>(Tags.AgentName, step);
            var result = new KeyValuePair<string, object?>(Tags.StepOutcome, outcome);
            StepDuration.Record(Math.Max(0, (now - started).TotalSeconds), agent, result);
            StepOutcomes.Add(1, agent, result);

            using var span = AgentsTelemetry.ActivitySource.StartActivity(
                $"step {step}", ActivityKind.Internal, parent, startTime: started);
            if (span is null)
            {
                return;
            }

            span.TagIncident(id, severity);
            span.SetTag(Tags.AgentName, step);
            span.SetTag(Tags.StepAttempt, attempt);
            span.SetTag(Tags.StepOutcome, outcome);
            if (outcome != AgentsTelemetry.Outcomes.Ok)
            {
                span.SetStatus(ActivityStatusCode.Error, reason);
            }

            span.SetEndTime(now.UtcDateTime);
        });
    }

    public static void Retried(PipeContext context, string step) =>
        context.AfterConsumed(() => StepRetries.Add(1, new KeyValuePair<string, object?>(Tags.AgentName, step)));

    public static void Escalated(PipeContext context, string step) =>
        context.AfterConsumed(() => Escalations.Add(1, new KeyValuePair<string, object?>(Tags.AgentName, step)));

    public static void Ended(PipeContext context, string status, TimeSpan sinceAlert)
    {
        Activity.Current?.SetTag(Tags.IncidentStatus, status);
        context.AfterConsumed(() =>
        {
            var tag = new KeyValuePair<string, object?>(Tags.IncidentStatus, status);
            IncidentsEnded.Add(1, tag);
            TimeToTerminal.Record(Math.Max(0, sinceAlert.TotalSeconds), tag);
        });
    }

    public static void Acknowledged(PipeContext context, string status) =>
        context.AfterConsumed(() => Acknowledgements.Add(1, new KeyValuePair<string, object?>(Tags.IncidentStatus, status)));

    /// <summary>An ended incident became <paramref name="status"/> (Resolved by an operator, Closed past its maximum open age).</summary>
    public static void ResolvedByOperator(PipeContext context, string status)
    {
        Activity.Current?.SetTag(Tags.IncidentStatus, status);
        context.AfterConsumed(() => ResolvedByOperators.Add(1, new KeyValuePair<string, object?>(Tags.IncidentStatus, status)));
    }

    public static void TokensReported(PipeContext context, string agent, TokenUsage tokens, bool causedByOrchestration)
    {
        Activity.Current?.SetTag(Tags.InputTokens, tokens.InputTokens);
        Activity.Current?.SetTag(Tags.OutputTokens, tokens.OutputTokens);
        if (tokens.Prompt is { } prompt)
        {
            Activity.Current?.SetTag(Agents.Hosting.Llm.LlmClients.PromptTag, prompt);
        }

        context.AfterConsumed(() =>
        {
            var agentTag = new KeyValuePair<string, object?>(Tags.AgentName, agent);
            var cause = new KeyValuePair<string, object?>(Tags.TokenCause, causedByOrchestration ? "orchestration" : "work");
            Tokens.Add(tokens.InputTokens, agentTag, new(Tags.TokenType, "input"), cause);
            Tokens.Add(tokens.OutputTokens, agentTag, new(Tags.TokenType, "output"), cause);
        });
    }

    /// <summary>The severity triage gave the incident, or the one the alert claimed until then.</summary>
    public static string? Severity(IncidentState incident) => incident.Triage?.Severity ?? incident.Alert?.Severity;
}
