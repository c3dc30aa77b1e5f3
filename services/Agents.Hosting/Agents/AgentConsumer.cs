using System.Diagnostics;
using Agents.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Hosting.Agents;

/// <summary>
/// The shape every agent service shares: take the orchestrator's command, let the brain decide, and
/// reply with the success or the failure event (with the tokens the brain spent). The consumer holds no
/// decision logic. A brain that throws has hit a transient fault: the retry policy runs, and if it keeps
/// failing the orchestrator receives MassTransit's <c>Fault&lt;TCommand&gt;</c>. Each decision is a span
/// <c>agent {name}</c> inside the incident's trace.
/// </summary>
public abstract class AgentConsumer<TCommand, TResult, TSucceeded, TFailed>(
    IAgentBrain<TCommand, TResult> brain,
    IOptions<AgentOptions> options,
    ILogger logger) : IConsumer<TCommand>
    where TCommand : class, IStepCommand
    where TResult : class
    where TSucceeded : class
    where TFailed : class
{
    /// <summary>The agent's name in logs and traces (<c>triage</c>, <c>context</c>, ...).</summary>
    protected abstract string AgentName { get; }

    public async Task Consume(ConsumeContext<TCommand> context)
    {
        var (incidentId, attempt) = (context.Message.IncidentId, context.Message.Attempt);
        using var activity = AgentsTelemetry.ActivitySource.StartActivity($"agent {AgentName}")
            .TagIncident(incidentId, context.Headers.Get<string>(AgentsTelemetry.SeverityHeader));
        activity?.SetTag(AgentsTelemetry.Tags.AgentName, AgentName);
        activity?.SetTag(AgentsTelemetry.Tags.AgentBrain, brain.Kind);
        activity?.SetTag(AgentsTelemetry.Tags.StepAttempt, attempt);

        var started = Stopwatch.GetTimestamp();
        AgentOutcome<TResult> outcome;
        try
        {
            if (options.Value.ThinkTime > TimeSpan.Zero)
            {
                // A load-test knob (Agent__ThinkTime): the step takes at least this long, as a slow model would.
                await Task.Delay(options.Value.ThinkTime, context.CancellationToken);
            }

            outcome = await brain.DecideAsync(context.Message, context.CancellationToken);
        }
        catch (Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity?.SetTag(AgentsTelemetry.Tags.StepOutcome, "faulted");
            throw;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var outcomeName = outcome.Succeeded ? AgentsTelemetry.Outcomes.Ok : AgentsTelemetry.Outcomes.Failed;
        activity?.SetTag(AgentsTelemetry.Tags.StepOutcome, outcomeName);
        activity?.SetTag(AgentsTelemetry.Tags.InputTokens, outcome.Tokens.InputTokens);
        activity?.SetTag(AgentsTelemetry.Tags.OutputTokens, outcome.Tokens.OutputTokens);
        AgentsTelemetry.AgentWorkDuration.Record(elapsed.TotalSeconds,
            new(AgentsTelemetry.Tags.AgentName, AgentName), new(AgentsTelemetry.Tags.StepOutcome, outcomeName));

        if (outcome.Result is { } result)
        {
            AgentLog.Succeeded(logger, AgentName, incidentId, attempt, elapsed.TotalMilliseconds);
            await context.Publish(Succeeded(context.Message, result, outcome.Tokens));
        }
        else
        {
            var reason = outcome.FailureReason ?? "no reason given";
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            AgentLog.Failed(logger, AgentName, incidentId, attempt, reason);
            await context.Publish(Failed(context.Message, reason, outcome.Tokens));
        }
    }

    protected abstract TSucceeded Succeeded(TCommand command, TResult result, TokenUsage tokens);

    protected abstract TFailed Failed(TCommand command, string reason, TokenUsage tokens);
}
