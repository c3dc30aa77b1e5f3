using System.Text.Json.Nodes;
using Agents.Contracts.Alerts;
using MassTransit;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// Reads raw alert JSON from the <c>alerts</c> exchange and publishes one <see cref="AlertReceived"/> per
/// firing alert (or <see cref="AlertStatusReported"/> for resolved and other source states). A body outside
/// <see cref="AlertLimits"/> (refused by <see cref="AlertBodyFilter"/> before it gets here), a payload that is not JSON,
/// or one that matches no known format faults without retry and lands in
/// <c>alert-intake_error</c> with the reason in <c>MT-Fault-Message</c>.
/// </summary>
public sealed class AlertIntakeConsumer(TimeProvider clock) : IConsumer<JsonObject>
{
    public async Task Consume(ConsumeContext<JsonObject> context)
    {
        var receivedAt = clock.GetUtcNow();
        foreach (var parsed in AlertParser.Parse(context.Message, receivedAt))
        {
            if (parsed.Status == AlertStatuses.Firing)
            {
                await context.Publish(new AlertReceived
                {
                    IncidentId = NewId.NextGuid(),
                    Alert = parsed.Alert,
                    ReceivedAt = receivedAt,
                });
            }
            else
            {
                await context.Publish(new AlertStatusReported
                {
                    EventId = NewId.NextGuid(),
                    Fingerprint = parsed.Alert.Fingerprint,
                    Status = parsed.Status,
                    Format = parsed.Alert.Format,
                    Summary = parsed.Alert.Summary,
                    ReceivedAt = receivedAt,
                });
            }
        }
    }
}
