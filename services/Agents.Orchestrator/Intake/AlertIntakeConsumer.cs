using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Agents.Contracts.Alerts;
using MassTransit;
using MassTransit.RabbitMqTransport;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// Reads raw alert JSON from the <c>alerts</c> exchange and publishes one <see cref="AlertReceived"/> per
/// firing alert (or <see cref="AlertStatusReported"/> for resolved and other source states). A body outside
/// <see cref="AlertLimits"/> (refused by <see cref="AlertBodyFilter"/> before it gets here), a payload that is not JSON,
/// or one that matches no known format faults without retry and lands in
/// <c>alert-intake_error</c> with the reason in <c>MT-Fault-Message</c>.
/// </summary>
/// <remarks>
/// The id of the incident an alert may open is derived from the body's message id (the ingress gives every accepted
/// webhook one) and the alert's place in it, so the same body read twice (redelivered after a crash of the broker or
/// of this consumer, or retried after its publish failed) names the same incident: the saga knows it for the alert
/// that opened it, even after it ended, instead of taking it for a new alert. A body without a message id gets a new
/// id each time it is read.
/// </remarks>
public sealed class AlertIntakeConsumer(TimeProvider clock) : IConsumer<JsonObject>
{
    public async Task Consume(ConsumeContext<JsonObject> context)
    {
        var receivedAt = clock.GetUtcNow();
        var messageId = MessageIdOf(context);
        var index = 0;
        foreach (var parsed in AlertParser.Parse(context.Message, receivedAt))
        {
            if (parsed.Status == AlertStatuses.Firing)
            {
                await context.Publish(new AlertReceived
                {
                    IncidentId = messageId is null ? NewId.NextGuid() : IncidentIdOf(messageId, index, parsed.Alert.Fingerprint),
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

            index++;
        }
    }

    /// <summary>The body's AMQP <c>message_id</c> as the publisher set it, or MassTransit's message id when not over RabbitMQ.</summary>
    private static string? MessageIdOf(ConsumeContext context) =>
        context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var rabbit)
            ? string.IsNullOrWhiteSpace(rabbit.Properties.MessageId) ? null : rabbit.Properties.MessageId
            : context.MessageId?.ToString("N");

    /// <summary>
    /// A name-based id: the first 16 bytes of the SHA-256 of the message id, the alert's index in the body and its
    /// fingerprint, marked as an RFC 9562 version 8 (custom) UUID.
    /// </summary>
    internal static Guid IncidentIdOf(string messageId, int index, string fingerprint)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"agents-incident-v1\u001F{messageId}\u001F{index}\u001F{fingerprint}"));
        var bytes = hash.AsSpan(0, 16);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
