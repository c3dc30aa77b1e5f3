using System.Diagnostics;
using Agents.Contracts.Deliberation;
using Agents.Hosting.Agents;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Hosting.Participants;

/// <summary>
/// The shape every deliberation participant shares: take the orchestrator's <see cref="StanceRequested"/>, let the brain
/// judge, and publish the <see cref="StanceGiven"/> with the tokens spent. A brain that cannot judge answers
/// <see cref="Stance.Undecided"/> with its reason rather than staying silent until the round times out. Each answer
/// is a span <c>participant {name}</c>.
/// </summary>
public sealed class ParticipantConsumer<TParticipant>(
    IParticipantBrain<TParticipant> brain,
    IOptions<AgentOptions> options,
    ILogger<ParticipantConsumer<TParticipant>> logger) : IConsumer<StanceRequested>
    where TParticipant : IParticipant
{
    public async Task Consume(ConsumeContext<StanceRequested> context)
    {
        var request = context.Message;
        var name = TParticipant.Name;
        using var activity = AgentsTelemetry.ActivitySource.StartActivity($"participant {name}");
        activity?.SetTag(AgentsTelemetry.Tags.AgentName, name);
        activity?.SetTag(AgentsTelemetry.Tags.AgentBrain, brain.Kind);
        activity?.SetTag(AgentsTelemetry.Tags.DeliberationId, request.DeliberationId.ToString());
        activity?.SetTag(AgentsTelemetry.Tags.DeliberationKind, request.Kind);
        activity?.SetTag(AgentsTelemetry.Tags.DeliberationRound, request.Round);

        var started = Stopwatch.GetTimestamp();
        AgentOutcome<StanceDecision> outcome;
        try
        {
            if (options.Value.ThinkTime > TimeSpan.Zero)
            {
                await Task.Delay(options.Value.ThinkTime, context.CancellationToken);
            }

            outcome = await brain.DecideAsync(request, context.CancellationToken);
        }
        catch (Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity?.SetTag(AgentsTelemetry.Tags.StepOutcome, "faulted");
            throw;
        }

        var stance = outcome.Result ?? new StanceDecision(Stance.Undecided, $"cannot judge: {outcome.FailureReason ?? "no reason given"}", 0);
        var outcomeName = outcome.Succeeded ? AgentsTelemetry.Outcomes.Ok : AgentsTelemetry.Outcomes.Failed;
        activity?.SetTag(AgentsTelemetry.Tags.StepOutcome, outcomeName);
        activity?.SetTag(AgentsTelemetry.Tags.StanceDecision, stance.Decision);
        activity?.SetTag(AgentsTelemetry.Tags.InputTokens, outcome.Tokens.InputTokens);
        activity?.SetTag(AgentsTelemetry.Tags.OutputTokens, outcome.Tokens.OutputTokens);
        var elapsed = Stopwatch.GetElapsedTime(started);
        AgentsTelemetry.AgentWorkDuration.Record(elapsed.TotalSeconds,
            new(AgentsTelemetry.Tags.AgentName, name), new(AgentsTelemetry.Tags.StepOutcome, outcomeName));
        ParticipantLog.Answered(logger, name, request.DeliberationId, request.Round, stance.Decision, stance.Confidence, stance.Reason);

        await context.Publish(new StanceGiven
        {
            DeliberationId = request.DeliberationId,
            Round = request.Round,
            Participant = name,
            Decision = stance.Decision,
            Reason = stance.Reason,
            Confidence = stance.Confidence,
            Tokens = outcome.Tokens,
        });
    }
}

internal static partial class ParticipantLog
{
    [LoggerMessage(LogLevel.Information, "{Participant}: deliberation {DeliberationId} round {Round}: {Decision} ({Confidence:0.00}): {Reason}")]
    public static partial void Answered(ILogger logger, string participant, Guid deliberationId, int round, string decision, double confidence, string reason);
}
