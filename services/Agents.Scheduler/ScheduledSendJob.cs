using System.Diagnostics;
using System.Globalization;
using Agents.Hosting;
using System.Net.Mime;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Quartz;

namespace Agents.Scheduler;

/// <summary>
/// Fires a stored message: sends its envelope to its destination with the ids and headers it was scheduled with,
/// plus MassTransit's scheduling headers (<c>MT-Scheduling-TokenId</c>, <c>MT-Quartz-Scheduled</c>,
/// <c>MT-Quartz-Sent</c>) so that a saga can tell a current timeout from a stale one, inside a span of the trace that
/// scheduled it. A failed send is retried by
/// Quartz (at once, up to five times) and the trigger stays in the store until it goes through. The destination is
/// checked again when due (<see cref="ScheduleDestinations"/>): a trigger stored for a destination that is no longer
/// allowed (the settings changed, or it was written to the store directly) is logged and dropped, not sent.
/// </summary>
public sealed class ScheduledSendJob(IBus bus, ScheduleDestinations destinations, TimeProvider clock, ILogger<ScheduledSendJob> logger) : IJob
{
    private const int ImmediateRefires = 5;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        var tokenId = context.Trigger.Key.Group;
        var stored = data.GetString(ScheduledSend.Destination);
        Uri.TryCreate(stored, UriKind.RelativeOrAbsolute, out var parsed);
        if (destinations.Refusal(parsed) is { } refusal)
        {
            // Returning completes the trigger: Quartz deletes it, so it is not tried again.
            SchedulerLog.DroppedAtFire(logger, tokenId, ScheduleDestinations.Describe(parsed), refusal);
            return;
        }

        var destination = parsed!;

        // The send continues the trace that scheduled it (an incident's step timeout is a span of the incident).
        using var activity = AgentsTelemetry.ActivitySource.StartActivity(
            "scheduled send", ActivityKind.Internal, data.GetString(ScheduledSend.TraceParent));
        activity?.SetTag("messaging.destination.name", destination.AbsolutePath.Trim('/'));
        activity?.SetTag("scheduling.token", tokenId);
        activity?.SetTag("scheduling.refire", context.RefireCount);
        if (context.ScheduledFireTimeUtc is { } dueAt)
        {
            activity?.SetTag("scheduling.lateness_ms", Math.Round((clock.GetUtcNow() - dueAt).TotalMilliseconds));
        }

        try
        {
            var endpoint = await bus.GetSendEndpoint(destination);
            await endpoint.Send(new StoredMessage(), new RestoreStoredMessage(data, destination, context), cancellationToken);
            var scheduled = context.ScheduledFireTimeUtc;
            SchedulerLog.Sent(logger, tokenId, destination, scheduled,
                scheduled is { } due ? (clock.GetUtcNow() - due).TotalMilliseconds : 0);
            SchedulerTelemetry.Record(scheduled, clock.GetUtcNow(), "sent");
        }
        catch (Exception exception) when (exception is not JobExecutionException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            SchedulerLog.SendFailed(logger, exception, tokenId, destination, context.RefireCount);
            SchedulerTelemetry.Record(context.ScheduledFireTimeUtc, clock.GetUtcNow(), "failed");
            throw new JobExecutionException(exception) { RefireImmediately = context.RefireCount < ImmediateRefires };
        }
    }

    /// <summary>The placeholder message type of the send; the stored envelope replaces its body.</summary>
    private sealed class StoredMessage;

    /// <summary>Puts the stored envelope, ids and headers on the outgoing message.</summary>
    private sealed class RestoreStoredMessage(JobDataMap data, Uri destination, IJobExecutionContext job) : IPipe<SendContext>
    {
        public Task Send(SendContext context)
        {
            var headers = StoredHeaders();
            var deserializer = context.Serialization.GetMessageDeserializer(
                new ContentType(data.GetString(ScheduledSend.ContentType) ?? ScheduledSend.EnvelopeContentType));
            var envelope = deserializer.Deserialize(deserializer.GetMessageBody(data.GetString(ScheduledSend.Body) ?? ""), headers, destination);

            context.MessageId = Id(ScheduledSend.MessageId) ?? context.MessageId;
            context.CorrelationId = Id(ScheduledSend.CorrelationId);
            context.ConversationId = Id(ScheduledSend.ConversationId);
            context.InitiatorId = Id(ScheduledSend.InitiatorId);
            context.RequestId = Id(ScheduledSend.RequestId);
            context.SourceAddress = Address(ScheduledSend.SourceAddress);
            context.ResponseAddress = Address(ScheduledSend.ResponseAddress);
            context.FaultAddress = Address(ScheduledSend.FaultAddress);
            if (data.GetString(ScheduledSend.ExpirationTime) is { Length: > 0 } expires
                && DateTime.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiration))
            {
                context.TimeToLive = expiration.ToUniversalTime() - DateTime.UtcNow;
            }

            foreach (var (key, value) in headers.GetAll())
            {
                context.Headers.Set(key, value);
            }

            context.Serializer = envelope.GetMessageSerializer();
            return Task.CompletedTask;
        }

        public void Probe(ProbeContext context)
        {
        }

        private DictionarySendHeaders StoredHeaders()
        {
            var headers = new DictionarySendHeaders();
            if (data.GetString(ScheduledSend.Headers) is { Length: > 0 } json)
            {
                foreach (var (key, value) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json, SchedulerConsumer.HeaderJson) ?? [])
                {
                    if (HeaderValue(value) is { } plain)
                    {
                        headers.Set(key, plain);
                    }
                }
            }

            headers.Set(MessageHeaders.SchedulingTokenId, job.Trigger.Key.Group);
            headers.Set(MessageHeaders.Quartz.Sent, job.FireTimeUtc.ToString("O"));
            if (job.ScheduledFireTimeUtc is { } scheduled)
            {
                headers.Set(MessageHeaders.Quartz.Scheduled, scheduled.ToString("O"));
            }

            return headers;
        }

        private static object? HeaderValue(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        };

        private Guid? Id(string key) => Guid.TryParse(data.GetString(key), out var id) ? id : null;

        private Uri? Address(string key) => data.GetString(key) is { Length: > 0 } text ? new Uri(text) : null;
    }
}
