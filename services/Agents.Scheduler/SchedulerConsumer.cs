using System.Diagnostics;
using System.Text.Json;
using Agents.Contracts;
using Agents.Hosting;
using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;
using Quartz;

namespace Agents.Scheduler;

/// <summary>
/// MassTransit's scheduling contracts on the <c>scheduler</c> queue, kept as Quartz triggers in the PostgreSQL job
/// store: <see cref="ScheduleMessage"/> stores (or replaces) the trigger of its token with the message's envelope,
/// ids and headers; <see cref="CancelScheduledMessage"/> deletes it. Both only write to the shared store, so any
/// number of scheduler nodes may consume the queue. A schedule for a destination that is not one of this system's
/// queues (<see cref="ScheduleDestinations"/>) is refused: nothing is stored and it goes to <c>scheduler_error</c> with
/// the reason.
/// </summary>
public sealed class SchedulerConsumer(
    ISchedulerFactory schedulers, ScheduleDestinations destinations, TimeProvider clock, ILogger<SchedulerConsumer> logger) :
    IConsumer<ScheduleMessage>,
    IConsumer<CancelScheduledMessage>
{
    internal static readonly JsonSerializerOptions HeaderJson = new(JsonSerializerDefaults.Web);

    public async Task Consume(ConsumeContext<ScheduleMessage> context)
    {
        var message = context.Message;
        if (message.Destination is null || message.Payload is null || message.PayloadType is not { Length: > 0 })
        {
            throw new PermanentMessageException(
                $"ScheduleMessage {message.CorrelationId} has no destination, payload or payload type: nothing could be sent");
        }

        if (destinations.Refusal(message.Destination) is { } refusal)
        {
            var destination = ScheduleDestinations.Describe(message.Destination);
            SchedulerLog.DestinationRefused(logger, message.CorrelationId, destination, refusal);
            throw new PermanentMessageException(
                $"ScheduleMessage {message.CorrelationId} to {destination} refused: {refusal}. The scheduler sends only to this system's queues; nothing was stored");
        }

        var body = context.SerializerContext
            .GetMessageSerializer(message.Payload, message.PayloadType)
            .GetMessageBody(new MessageSendContext<ScheduleMessage>(message));

        var data = new JobDataMap
        {
            [ScheduledSend.Destination] = message.Destination.ToString(),
            [ScheduledSend.Body] = body.GetString(),
            [ScheduledSend.ContentType] = context.ReceiveContext.ContentType?.ToString() ?? ScheduledSend.EnvelopeContentType,
        };
        Put(data, ScheduledSend.MessageId, context.MessageId);
        Put(data, ScheduledSend.CorrelationId, context.CorrelationId);
        Put(data, ScheduledSend.ConversationId, context.ConversationId);
        Put(data, ScheduledSend.InitiatorId, context.InitiatorId);
        Put(data, ScheduledSend.RequestId, context.RequestId);
        Put(data, ScheduledSend.SourceAddress, context.SourceAddress);
        Put(data, ScheduledSend.ResponseAddress, context.ResponseAddress);
        Put(data, ScheduledSend.FaultAddress, context.FaultAddress);
        if (Activity.Current?.Id is { } traceParent)
        {
            data[ScheduledSend.TraceParent] = traceParent;
        }

        if (context.ExpirationTime is { } expires)
        {
            data[ScheduledSend.ExpirationTime] = expires.ToString("O");
        }

        var headers = context.Headers.GetAll().ToDictionary(h => h.Key, h => h.Value);
        if (headers.Count > 0)
        {
            data[ScheduledSend.Headers] = JsonSerializer.Serialize(headers, HeaderJson);
        }

        var scheduledTime = DateTime.SpecifyKind(message.ScheduledTime, DateTimeKind.Utc);
        var trigger = TriggerBuilder.Create(clock)
            .WithIdentity(ScheduledSend.Trigger(message.CorrelationId, context.MessageId ?? NewId.NextGuid()))
            .ForJob(ScheduledSend.Job)
            .UsingJobData(data)
            .StartAt(scheduledTime)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();

        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        await scheduler.UnscheduleJobs(GroupMatcher<TriggerKey>.GroupEquals(ScheduledSend.TokenGroup(message.CorrelationId)), context.CancellationToken);
        // Replacing: a redelivered ScheduleMessage (same message id) stores the same trigger again.
        await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, context.CancellationToken);
        SchedulerLog.Scheduled(logger, message.CorrelationId, scheduledTime, message.Destination);
    }

    public async Task Consume(ConsumeContext<CancelScheduledMessage> context)
    {
        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        if (await scheduler.UnscheduleJobs(GroupMatcher<TriggerKey>.GroupEquals(ScheduledSend.TokenGroup(context.Message.TokenId)), context.CancellationToken) is { Count: > 0 })
        {
            SchedulerLog.Cancelled(logger, context.Message.TokenId);
        }
        else
        {
            SchedulerLog.NothingToCancel(logger, context.Message.TokenId);
        }
    }

    private static void Put(JobDataMap data, string key, Guid? value)
    {
        if (value is { } id)
        {
            data[key] = id.ToString();
        }
    }

    private static void Put(JobDataMap data, string key, Uri? value)
    {
        if (value is not null)
        {
            data[key] = value.ToString();
        }
    }
}

/// <summary>
/// The <c>scheduler</c> endpoint. Schedule and cancel of one token are handled in order within a node (partitioned
/// by token); across nodes a cancel that overtakes its schedule leaves a trigger whose message the saga ignores as
/// stale (its token is no longer the current one).
/// </summary>
public sealed class SchedulerConsumerDefinition : ConsumerDefinition<SchedulerConsumer>
{
    private const int Partitions = 16;

    public SchedulerConsumerDefinition()
    {
        EndpointName = AgentQueues.Scheduler;
        ConcurrentMessageLimit = Partitions;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<SchedulerConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        var byToken = endpointConfigurator.CreatePartitioner(Partitions);
        consumerConfigurator.Message<ScheduleMessage>(m => m.UsePartitioner(byToken, c => c.Message.CorrelationId));
        consumerConfigurator.Message<CancelScheduledMessage>(m => m.UsePartitioner(byToken, c => c.Message.TokenId));
    }
}
