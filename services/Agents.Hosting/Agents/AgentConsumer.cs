using System.Diagnostics;
using Agents.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Agents;

/// <summary>
/// The shape every agent service shares: take the orchestrator's command, let the brain decide, and
/// reply with the success or the failure event. The consumer holds no decision logic. A brain that
/// throws has hit a transient fault: the retry policy runs, and if it keeps failing the orchestrator
/// receives MassTransit's <c>Fault&lt;TCommand&gt;</c>.
/// </summary>
public abstract class AgentConsumer<TCommand, TResult, TSucceeded, TFailed>(
    IAgentBrain<TCommand, TResult> brain,
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
        var activity = Activity.Current;
        activity?.SetTag("incident.id", incidentId);
        activity?.SetTag("agent.name", AgentName);
        activity?.SetTag("agent.brain", brain.Kind);
        activity?.SetTag("step.attempt", attempt);

        var started = Stopwatch.GetTimestamp();
        var outcome = await brain.DecideAsync(context.Message, context.CancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);

        if (outcome.Result is { } result)
        {
            activity?.SetTag("step.outcome", "ok");
            AgentLog.Succeeded(logger, AgentName, incidentId, attempt, elapsed.TotalMilliseconds);
            await context.Publish(Succeeded(context.Message, result));
        }
        else
        {
            var reason = outcome.FailureReason ?? "no reason given";
            activity?.SetTag("step.outcome", "failed");
            AgentLog.Failed(logger, AgentName, incidentId, attempt, reason);
            await context.Publish(Failed(context.Message, reason));
        }
    }

    protected abstract TSucceeded Succeeded(TCommand command, TResult result);

    protected abstract TFailed Failed(TCommand command, string reason);
}
