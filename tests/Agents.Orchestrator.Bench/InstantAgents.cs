using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;
using MassTransit;

namespace Agents.Orchestrator.Bench;

/// <summary>Agents that answer at once with valid output, so that the benchmark measures the saga and its store.</summary>
internal static class Replies
{
    public static TriageResult Triage(TriageIncident c) => new()
    {
        Severity = "critical", Service = c.Alert.Service!, ErrorType = "error-rate", OccurredAt = c.Alert.OccurredAt,
        Summary = c.Alert.Summary, Rationale = "bench",
    };

    public static IncidentContext Context(CollectIncidentContext c) => new()
    {
        Service = c.Triage.Service,
        WindowStart = c.Alert.OccurredAt.AddHours(-2),
        WindowEnd = c.Alert.OccurredAt.AddMinutes(15),
        RecentDeploys =
        [
            new DeployRecord { Service = c.Triage.Service, Version = "v2", PreviousVersion = "v1", DeployedAt = c.Alert.OccurredAt.AddMinutes(-10) },
        ],
        Metrics = [],
        Sources = ["bench"],
    };

    public static Hypothesis Hypothesis(InvestigateIncident c) => new()
    {
        Category = "regression",
        Summary = "bench regression",
        Confidence = 0.9,
        Evidence = [new Evidence { Kind = "deploy", Description = "v2", ObservedAt = c.Context.RecentDeploys[0].DeployedAt }],
        SuspectVersion = "v2",
        LastGoodVersion = "v1",
        ErrorsObserved = true,
    };

    public static RemediationResult Remediation(RemediateIncident c) => new()
    {
        ActionId = "rollback",
        Description = "bench",
        Parameters = new Dictionary<string, string> { ["service"] = c.Service, ["to_version"] = "v1" },
        DryRun = true,
        Steps = ["would: roll back"],
        Outcome = "dry-run",
        Rationale = "bench",
    };
}

internal sealed class InstantTriage : IConsumer<TriageIncident>
{
    public Task Consume(ConsumeContext<TriageIncident> context) =>
        context.Publish(new IncidentTriaged { IncidentId = context.Message.IncidentId, Attempt = context.Message.Attempt, Result = Replies.Triage(context.Message) });
}

internal sealed class InstantContext : IConsumer<CollectIncidentContext>
{
    public Task Consume(ConsumeContext<CollectIncidentContext> context) =>
        context.Publish(new IncidentContextCollected { IncidentId = context.Message.IncidentId, Attempt = context.Message.Attempt, Context = Replies.Context(context.Message) });
}

internal sealed class InstantInvestigation : IConsumer<InvestigateIncident>
{
    public Task Consume(ConsumeContext<InvestigateIncident> context) =>
        context.Publish(new IncidentInvestigated { IncidentId = context.Message.IncidentId, Attempt = context.Message.Attempt, Hypothesis = Replies.Hypothesis(context.Message) });
}

internal sealed class InstantRemediation : IConsumer<RemediateIncident>
{
    public Task Consume(ConsumeContext<RemediateIncident> context) =>
        context.Publish(new IncidentRemediated { IncidentId = context.Message.IncidentId, Attempt = context.Message.Attempt, Result = Replies.Remediation(context.Message) });
}

internal sealed class InstantNotification : IConsumer<NotifyIncident>
{
    public Task Consume(ConsumeContext<NotifyIncident> context) =>
        context.Publish(new IncidentNotified
        {
            IncidentId = context.Message.IncidentId,
            Attempt = context.Message.Attempt,
            Notification = new NotificationRecord
            {
                Kind = context.Message.Kind, Priority = "normal", Channels = ["bench"], Title = "bench", Summary = "bench", SentAt = DateTimeOffset.UtcNow,
            },
        });
}
