using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Notification.Channels;
using MassTransit;

namespace Agents.Notification.Consumers;

/// <summary>
/// What happens to an incident after its page, from the orchestrator's events: a human acknowledged it (PagerDuty
/// acknowledge, a Slack thread reply, a Jira comment) or resolved it (PagerDuty resolve, the Slack head message updated,
/// the Jira issue transitioned); and a deliberation that ended without consensus (a claim for the claims review
/// channel). Delivered through the same routes and ledger as the workflow's notifications: a redelivered event is not
/// posted twice. When no channel takes it, the event is retried (and the ledger keeps what did go out).
/// </summary>
public sealed class IncidentEventsConsumer(NotificationDispatcher dispatcher, TimeProvider clock)
    : IConsumer<IncidentAcknowledged>, IConsumer<IncidentResolvedByOperator>, IConsumer<DeliberationConcluded>
{
    public const string Queue = "notification-events";

    public Task Consume(ConsumeContext<IncidentAcknowledged> context)
    {
        var e = context.Message;
        return Dispatch(new ChannelMessage
        {
            IncidentId = e.IncidentId,
            Event = ChannelEvents.Acknowledged,
            EventKey = $"{ChannelEvents.Acknowledged}-{e.At.ToUnixTimeMilliseconds()}",
            Priority = "normal",
            Status = IncidentStatuses.Escalated,
            Title = $"Acknowledged by {e.Actor}",
            Summary = e.Note is { Length: > 0 } note ? $"{e.Actor} acknowledged the incident: {note}" : $"{e.Actor} acknowledged the incident.",
            Details = new Dictionary<string, string> { ["acknowledged by"] = e.Actor },
            At = e.At,
        }, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<IncidentResolvedByOperator> context)
    {
        var e = context.Message;
        return Dispatch(new ChannelMessage
        {
            IncidentId = e.IncidentId,
            Event = ChannelEvents.ResolvedByOperator,
            EventKey = $"{ChannelEvents.ResolvedByOperator}-{e.At.ToUnixTimeMilliseconds()}",
            Priority = "normal",
            Status = e.Status,
            Title = $"{e.Status} by {e.Actor}",
            Summary = $"{e.Actor} marked the incident {e.Status}: {e.Note}",
            Details = new Dictionary<string, string> { ["resolved by"] = e.Actor, ["status"] = e.Status },
            At = e.At,
        }, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<DeliberationConcluded> context)
    {
        var e = context.Message;
        if (e.Outcome != DeliberationOutcomes.NoConsensus)
        {
            return Task.CompletedTask;
        }

        var stances = e.Rounds.LastOrDefault()?.Stances ?? [];
        return Dispatch(new ChannelMessage
        {
            IncidentId = e.DeliberationId,
            Event = ChannelEvents.NoConsensus,
            EventKey = ChannelEvents.NoConsensus,
            Priority = "high",
            Status = e.Outcome,
            Title = $"{e.Kind} {e.DeliberationId:D}: no consensus after {e.Round} round(s), a human must decide",
            Summary = (e.Reason ?? "no agreement") + Environment.NewLine
                + string.Join(Environment.NewLine, stances.Select(s => s.Silent ? $"- {s.Participant}: silent" : $"- {s.Participant}: {s.Decision} ({s.Reason})")),
            Details = new Dictionary<string, string> { ["kind"] = e.Kind, ["rounds"] = e.Round.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            At = clock.GetUtcNow(),
        }, context.CancellationToken);
    }

    private async Task Dispatch(ChannelMessage message, CancellationToken ct)
    {
        var deliveries = await dispatcher.DispatchAsync(message, ct);
        if (deliveries.Count > 0 && !NotificationDispatcher.Reached(deliveries))
        {
            throw new InvalidOperationException(
                $"no channel delivered {message.EventKey} of {message.IncidentId}: {string.Join("; ", deliveries.Select(d => $"{d.Channel}: {d.Detail}"))}");
        }
    }
}

public sealed class IncidentEventsConsumerDefinition : ConsumerDefinition<IncidentEventsConsumer>
{
    public IncidentEventsConsumerDefinition() => EndpointName = IncidentEventsConsumer.Queue;
}
