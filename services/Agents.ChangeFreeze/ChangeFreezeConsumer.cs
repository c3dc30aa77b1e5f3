using System.Diagnostics;
using Agents.Contracts.Steps;
using Agents.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.ChangeFreeze;

/// <summary>
/// Answers <see cref="RunIncidentStep"/> by publishing <see cref="IncidentStepCompleted"/> (no freeze in force) or
/// <see cref="IncidentStepFailed"/> (a freeze in force, or settings it cannot read), with the command's incident, attempt
/// and step; the rule is <see cref="FreezeCheck"/>. Read-only, so a repeated command just gets the same answer again.
/// A command that names no incident, attempt or step has nobody to answer: it goes to the error queue.
/// </summary>
public sealed partial class ChangeFreezeConsumer(TimeProvider time, ILogger<ChangeFreezeConsumer> logger) : IConsumer<RunIncidentStep>
{
    public async Task Consume(ConsumeContext<RunIncidentStep> context)
    {
        var command = context.Message;
        if (FreezeCheck.Unanswerable(command) is { } problem)
        {
            throw new PermanentMessageException(problem);
        }

        using var activity = AgentsTelemetry.ActivitySource.StartActivity($"agent {ChangeFreezeAgent.Name}")
            .TagIncident(command.IncidentId, context.Headers.Get<string>(AgentsTelemetry.SeverityHeader));
        activity?.SetTag(AgentsTelemetry.Tags.AgentName, ChangeFreezeAgent.Name);
        activity?.SetTag(AgentsTelemetry.Tags.AgentBrain, "rules");
        activity?.SetTag(AgentsTelemetry.Tags.StepAttempt, command.Attempt);

        var started = Stopwatch.GetTimestamp();
        var reply = FreezeCheck.Reply(command, time.GetUtcNow());
        var outcome = reply is IncidentStepCompleted ? AgentsTelemetry.Outcomes.Ok : AgentsTelemetry.Outcomes.Failed;
        activity?.SetTag(AgentsTelemetry.Tags.StepOutcome, outcome);
        context.AfterConsumed(() => AgentsTelemetry.AgentWorkDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
            new(AgentsTelemetry.Tags.AgentName, ChangeFreezeAgent.Name), new(AgentsTelemetry.Tags.StepOutcome, outcome)));

        switch (reply)
        {
            case IncidentStepCompleted completed:
                Clear(logger, command.IncidentId, command.Step, command.Attempt);
                await context.Publish(completed);
                break;
            case IncidentStepFailed failed:
                activity?.SetStatus(ActivityStatusCode.Error, failed.Reason);
                Refused(logger, command.IncidentId, command.Step, command.Attempt, failed.Reason);
                await context.Publish(failed);
                break;
        }
    }

    [LoggerMessage(LogLevel.Information, "change-freeze: incident {IncidentId} step {Step} attempt {Attempt}: no freeze in force")]
    private static partial void Clear(ILogger logger, Guid incidentId, string step, int attempt);

    [LoggerMessage(LogLevel.Warning, "change-freeze: incident {IncidentId} step {Step} attempt {Attempt} failed: {Reason}")]
    private static partial void Refused(ILogger logger, Guid incidentId, string step, int attempt, string reason);
}

/// <summary>
/// The queue <c>change-freeze</c>, and only what is sent to it: the endpoint does not subscribe to published
/// <see cref="RunIncidentStep"/>s (another plug-in agent's steps), so its consume topology is off. Concurrency as the
/// other agents' (<c>Messaging__ConcurrentMessageLimit</c>, default 8).
/// </summary>
public sealed class ChangeFreezeConsumerDefinition : ConsumerDefinition<ChangeFreezeConsumer>
{
    public ChangeFreezeConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Name = ChangeFreezeAgent.Name;
            e.ConfigureConsumeTopology = false;
        });
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ChangeFreezeConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        if (context.GetRequiredService<IOptions<MessagingOptions>>().Value.ConcurrentMessageLimit is { } limit)
        {
            consumerConfigurator.ConcurrentMessageLimit = limit;
        }
    }
}
