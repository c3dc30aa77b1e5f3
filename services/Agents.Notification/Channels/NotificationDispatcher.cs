using Agents.Contracts.Notification;

namespace Agents.Notification.Channels;

/// <summary>
/// Delivers one event to the channels its route names, all at once: each delivery is claimed in the ledger first (a
/// repeat is reported, not sent), each channel retries on its own and one channel down never delays or blocks the
/// others. Answers what each channel did.
/// </summary>
public sealed class NotificationDispatcher(
    IEnumerable<INotificationChannel> channels, IDeliveryLedger ledger, NotificationRoutes routes, TimeProvider clock, ILogger<NotificationDispatcher> logger)
{
    private readonly IReadOnlyDictionary<string, INotificationChannel> _channels = channels.ToDictionary(c => c.Name, StringComparer.Ordinal);

    /// <summary>The channels that are on (configured).</summary>
    public IReadOnlyList<string> Configured => _channels.Values.Where(c => c.IsConfigured).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();

    public async Task<IReadOnlyList<ChannelDelivery>> DispatchAsync(ChannelMessage message, CancellationToken cancellationToken)
    {
        var (route, targets) = routes.Route(message);
        var deliveries = targets
            .Where(t => _channels.TryGetValue(t.Channel, out var channel) && channel.IsConfigured)
            .Select(t => (Channel: _channels[t.Channel], Target: t.Target ?? _channels[t.Channel].DefaultTarget ?? ""))
            .DistinctBy(d => (d.Channel.Name, d.Target))
            .ToList();
        NotificationLog.Routed(logger, message.IncidentId, message.EventKey, route, string.Join(", ", deliveries.Select(d => d.Target.Length == 0 ? d.Channel.Name : $"{d.Channel.Name}:{d.Target}")));
        return await Task.WhenAll(deliveries.Select(d => Deliver(d.Channel, d.Target, message, cancellationToken)));
    }

    private async Task<ChannelDelivery> Deliver(INotificationChannel channel, string target, ChannelMessage message, CancellationToken ct)
    {
        var claim = await ledger.ClaimAsync(message.IncidentId, message.EventKey, channel.Name, target, channel.IsIdempotent, ct);
        switch (claim.Outcome)
        {
            case ClaimOutcome.AlreadyDelivered:
                return Delivery(channel, target, ChannelDeliveryStatuses.AlreadyDelivered, claim.ExternalId, $"delivered before, at {claim.At:O}");
            case ClaimOutcome.InProgress:
                return Delivery(channel, target, ChannelDeliveryStatuses.InProgress, null, "being delivered by another attempt at this moment");
            case ClaimOutcome.Unconfirmed:
                NotificationLog.Unconfirmed(logger, message.IncidentId, message.EventKey, channel.Name, target);
                return Delivery(channel, target, ChannelDeliveryStatuses.Unconfirmed, null,
                    $"an earlier attempt began this delivery at {claim.At:O} and never confirmed it{(claim.Error is null ? string.Empty : $" ({claim.Error})")}; not sent again (check {channel.Name})");
        }

        await using var lease = claim.Lease;
        ChannelReceipt receipt;
        try
        {
            var thread = await ledger.ThreadRefAsync(message.IncidentId, channel.Name, target, ct);
            receipt = await channel.SendAsync(message with { ThreadRef = thread }, target.Length == 0 ? null : target, ct);
        }
        catch (DeliveryUncertainException e) when (!channel.IsIdempotent)
        {
            // It may have reached people: the delivery stays claimed, so no later attempt sends it again (at most once).
            var reason = Cut(e.Message);
            await ledger.UncertainAsync(message.IncidentId, message.EventKey, channel.Name, target, reason, CancellationToken.None);
            NotificationLog.Uncertain(logger, message.IncidentId, message.EventKey, channel.Name, target, reason);
            return Delivery(channel, target, ChannelDeliveryStatuses.Unconfirmed, null, $"{reason}; not sent again (check {channel.Name})");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var reason = Cut($"{e.GetType().Name}: {e.Message}");
            await ledger.FailedAsync(message.IncidentId, message.EventKey, channel.Name, target, reason, CancellationToken.None);
            NotificationLog.ChannelFailed(logger, message.IncidentId, message.EventKey, channel.Name, target, reason);
            return Delivery(channel, target, ChannelDeliveryStatuses.Failed, null, reason);
        }

        // Outside the catch: a delivery that happened is never recorded as failed (if this write fails, the row stays
        // claimed and a later attempt treats it as a delivery that was never confirmed).
        string? unrecorded = null;
        try
        {
            await ledger.DeliveredAsync(message.IncidentId, message.EventKey, channel.Name, target, receipt.ExternalId, ct);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // It was delivered; the ledger could not say so. The row stays claimed: a later attempt reports it unconfirmed.
            unrecorded = $"; not recorded in the ledger ({e.GetType().Name})";
            NotificationLog.Unrecorded(logger, message.IncidentId, message.EventKey, channel.Name, target, e.GetType().Name);
        }

        var nothing = receipt.ExternalId is null && receipt.Detail?.StartsWith("nothing to send", StringComparison.OrdinalIgnoreCase) == true;
        return Delivery(channel, target, nothing ? ChannelDeliveryStatuses.NothingToSend : ChannelDeliveryStatuses.Delivered, receipt.ExternalId, receipt.Detail + unrecorded);
    }

    private static string Cut(string reason)
    {
        reason = reason.ReplaceLineEndings(" ");
        return reason.Length <= 500 ? reason : string.Concat(reason.AsSpan(0, 500), "…");
    }

    private ChannelDelivery Delivery(INotificationChannel channel, string target, string status, string? externalId, string? detail) => new()
    {
        Channel = channel.Name, Target = target, Status = status, At = clock.GetUtcNow(), ExternalId = externalId, Detail = detail,
    };

    /// <summary>
    /// Whether the event reached people: a channel delivered it (now or before; an unconfirmed delivery may have) or had
    /// nothing to send. The local file counts only when it is the only channel: a page that reached no real channel
    /// failed, however well the file took it.
    /// </summary>
    public static bool Reached(IReadOnlyList<ChannelDelivery> deliveries)
    {
        var real = deliveries.Where(d => d.Channel != "file").ToList();
        return (real.Count > 0 ? real : deliveries).Any(d => d.Status is ChannelDeliveryStatuses.Delivered or ChannelDeliveryStatuses.AlreadyDelivered
            or ChannelDeliveryStatuses.InProgress or ChannelDeliveryStatuses.Unconfirmed or ChannelDeliveryStatuses.NothingToSend);
    }
}
