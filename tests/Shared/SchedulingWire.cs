using System.Text;
using System.Text.Json.Nodes;

namespace Agents.Testing;

/// <summary>
/// MassTransit's scheduling contracts as they travel to the scheduler queue (a MassTransit JSON envelope), built by
/// hand so that tests and benchmarks talk to the scheduler service the way any MassTransit client does.
/// </summary>
internal static class SchedulingWire
{
    public const string ContentType = "application/vnd.masstransit+json";

    /// <summary>A <c>ScheduleMessage</c>: send <paramref name="payload"/> to <c>queue:<paramref name="queue"/></c> at <paramref name="due"/>.</summary>
    public static byte[] Schedule(Guid token, DateTimeOffset due, string queue, JsonObject payload) =>
        Schedule(token, due, new Uri($"queue:{queue}"), payload);

    /// <summary>
    /// A <c>ScheduleMessage</c> to any <paramref name="destination"/> (a saga's timeout names its endpoint's
    /// <c>rabbitmq://host/vhost/queue</c> address; a forged one names whatever it likes).
    /// </summary>
    public static byte[] Schedule(Guid token, DateTimeOffset due, Uri destination, JsonObject payload) =>
        Envelope("MassTransit.Scheduling:ScheduleMessage", new JsonObject
        {
            ["correlationId"] = token,
            ["scheduledTime"] = due.UtcDateTime,
            ["payloadType"] = new JsonArray("urn:message:Agents.Testing:Probe"),
            ["destination"] = destination.OriginalString,
            ["payload"] = payload,
        });

    /// <summary>A <c>CancelScheduledMessage</c> for <paramref name="token"/>.</summary>
    public static byte[] Cancel(Guid token) =>
        Envelope("MassTransit.Scheduling:CancelScheduledMessage", new JsonObject
        {
            ["correlationId"] = Guid.NewGuid(),
            ["timestamp"] = DateTime.UtcNow,
            ["tokenId"] = token,
        });

    private static byte[] Envelope(string messageType, JsonObject message) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["messageId"] = Guid.NewGuid(),
            ["messageType"] = new JsonArray($"urn:message:{messageType}"),
            ["message"] = message,
            ["sentTime"] = DateTime.UtcNow,
            ["headers"] = new JsonObject(),
        }.ToJsonString());
}
