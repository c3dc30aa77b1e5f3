using Agents.Contracts.Deliberation;
using Agents.Orchestrator.Deliberations;
using MassTransit;

namespace Agents.Orchestrator.Queries;

/// <summary>Answers <see cref="GetDeliberation"/> from the saga repository.</summary>
public sealed class DeliberationQueryConsumer(ILoadSagaRepository<DeliberationState> load) : IConsumer<GetDeliberation>
{
    public async Task Consume(ConsumeContext<GetDeliberation> context)
    {
        var deliberation = await load.Load(context.Message.DeliberationId);
        if (deliberation is null)
        {
            await context.RespondAsync(new DeliberationNotFound { DeliberationId = context.Message.DeliberationId });
            return;
        }

        await context.RespondAsync(Details(deliberation));
    }

    internal static DeliberationDetails Details(DeliberationState deliberation) => new()
    {
        DeliberationId = deliberation.CorrelationId,
        Kind = deliberation.Kind,
        Status = deliberation.CurrentState,
        Summary = deliberation.Summary,
        Subject = deliberation.Subject,
        Participants = deliberation.Participants,
        Threshold = deliberation.Threshold,
        MaxRounds = deliberation.MaxRounds,
        Round = deliberation.Round,
        Decision = deliberation.Decision,
        Confidence = deliberation.Confidence,
        Reason = deliberation.Reason,
        CurrentStances = deliberation.CurrentStances,
        Rounds = deliberation.Rounds,
        Ignored = deliberation.Ignored,
        Tokens = deliberation.Tokens,
        CreatedAt = deliberation.CreatedAt,
        UpdatedAt = deliberation.UpdatedAt,
    };
}
