using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Orchestrator.Deliberations;
using Agents.SagaRepository;
using MassTransit;

namespace Agents.Orchestrator.Queries;

/// <summary>Answers <see cref="GetDeliberation"/> and <see cref="ListDeliberations"/> from the saga repository.</summary>
public sealed class DeliberationQueryConsumer(
    ILoadSagaRepository<DeliberationState> load,
    IListSagaRepository<DeliberationState> list) : IConsumer<GetDeliberation>, IConsumer<ListDeliberations>
{
    public async Task Consume(ConsumeContext<ListDeliberations> context)
    {
        var request = context.Message;
        var deliberations = await list.Newest(d =>
            (request.Kind == null || d.Kind == request.Kind)
            && (request.Status == null || d.CurrentState == request.Status), d => d.CreatedAt, ListLimits.Clamp(request.Limit), context.CancellationToken);

        await context.RespondAsync(new DeliberationList
        {
            Items = deliberations
                .Select(d => new DeliberationSummary
                {
                    DeliberationId = d.CorrelationId,
                    Kind = d.Kind,
                    Status = d.CurrentState,
                    Summary = d.Summary,
                    Subject = d.Subject,
                    Round = d.Round,
                    Decision = d.Decision,
                    Confidence = d.Confidence,
                    Reason = d.Reason,
                    CreatedAt = d.CreatedAt,
                    UpdatedAt = d.UpdatedAt,
                })
                .ToList(),
        });
    }

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
