using System.Text;
using Agents.Contracts;
using Agents.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Agents.Api;

/// <summary>A message in an error queue, as an operator reads it.</summary>
public sealed record DeadLetter
{
    public string? MessageId { get; init; }

    public string? MessageType { get; init; }

    /// <summary>The exception message that sent it here (<c>MT-Fault-Message</c>).</summary>
    public string? Reason { get; init; }

    public string? ExceptionType { get; init; }

    public string? FaultedAt { get; init; }

    public string? InputAddress { get; init; }

    public string? ConsumerType { get; init; }

    /// <summary>How many retries were made before it was dead-lettered (<c>MT-Fault-RetryCount</c>), when recorded.</summary>
    public int? RetryCount { get; init; }

    public required string Body { get; init; }

    public bool BodyTruncated { get; init; }
}

/// <summary>One receive endpoint and the number of messages in its error queue.</summary>
public sealed record ErrorQueue(string Queue, string ErrorQueueName, bool Exists, uint Messages);

/// <summary>
/// The error queues (<c>&lt;queue&gt;_error</c>) of the system's receive endpoints, read and moved with the RabbitMQ
/// client directly: MassTransit dead-letters failed messages with their original body and <c>MT-Fault-*</c> headers
/// but has no way to move them back. Replay re-sends the original body and properties to the original queue without
/// the fault headers and acknowledges each message only after the broker confirmed its re-send, so a crash in
/// between duplicates a message rather than losing it.
/// </summary>
public sealed class DeadLetters(AgentsConnections connections) : IAsyncDisposable
{
    private const int MaxBodyChars = 64 * 1024;
    private const int MaxScan = 10_000;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    public static string ErrorQueueOf(string queue) => $"{queue}_error";

    public async Task<IReadOnlyList<ErrorQueue>> List(CancellationToken ct)
    {
        var result = new List<ErrorQueue>();
        foreach (var queue in AgentQueues.ReceiveEndpoints)
        {
            var count = await MessageCount(ErrorQueueOf(queue), ct);
            result.Add(new ErrorQueue(queue, ErrorQueueOf(queue), count is not null, count ?? 0));
        }

        return result;
    }

    /// <summary>
    /// The first <paramref name="limit"/> messages of the queue's error queue, left in it: they are taken unacknowledged
    /// and returned to the queue (RabbitMQ puts them back in place where it can).
    /// </summary>
    public async Task<IReadOnlyList<DeadLetter>> Peek(string queue, int limit, CancellationToken ct)
    {
        var found = new List<DeadLetter>();
        await Scan(queue, limit, (message, _) =>
        {
            found.Add(Read(message));
            return Task.FromResult(false);
        }, ct);
        return found;
    }

    public async Task<DeadLetter?> Find(string queue, string messageId, CancellationToken ct)
    {
        DeadLetter? found = null;
        await Scan(queue, MaxScan, (message, _) =>
        {
            if (found is null && message.BasicProperties.MessageId == messageId)
            {
                found = Read(message);
            }

            return Task.FromResult(false);
        }, ct);
        return found;
    }

    /// <summary>
    /// Moves the error queue's messages (only <paramref name="messageId"/> when given) back to <paramref name="queue"/>;
    /// returns how many. At most the messages present when it starts are looked at, so a message that fails again and
    /// comes back is not replayed twice by one call.
    /// </summary>
    public async Task<int> Replay(string queue, string? messageId, CancellationToken ct)
    {
        var replayed = 0;
        await using var publisher = await (await Connection(ct)).CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        await Scan(queue, MaxScan, async (message, channel) =>
        {
            if (messageId is not null && message.BasicProperties.MessageId != messageId)
            {
                return false;
            }

            // Returns once the broker confirmed the publish (throws when it refused it): only then is the dead letter removed.
            await publisher.BasicPublishAsync("", queue, mandatory: true, WithoutFaultHeaders(message.BasicProperties), message.Body, ct);
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, ct);
            replayed++;
            return true;
        }, ct);
        return replayed;
    }

    public async Task<uint> Purge(string queue, CancellationToken ct)
    {
        if (await MessageCount(ErrorQueueOf(queue), ct) is null)
        {
            return 0;
        }

        await using var channel = await (await Connection(ct)).CreateChannelAsync(cancellationToken: ct);
        return await channel.QueuePurgeAsync(ErrorQueueOf(queue), ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            _connection.Dispose();
        }

        _connecting.Dispose();
    }

    /// <summary>
    /// Takes up to <paramref name="limit"/> messages (and never more than were there at the start) unacknowledged;
    /// <paramref name="visit"/> returns true when it acknowledged the message itself. All others are returned.
    /// </summary>
    private async Task Scan(string queue, int limit, Func<BasicGetResult, IChannel, Task<bool>> visit, CancellationToken ct)
    {
        var errorQueue = ErrorQueueOf(queue);
        if (await MessageCount(errorQueue, ct) is not { } present || present == 0)
        {
            return;
        }

        await using var channel = await (await Connection(ct)).CreateChannelAsync(cancellationToken: ct);
        var kept = new List<ulong>();
        try
        {
            for (var i = 0; i < Math.Min(limit, present); i++)
            {
                if (await channel.BasicGetAsync(errorQueue, autoAck: false, ct) is not { } message)
                {
                    break;
                }

                if (!await visit(message, channel))
                {
                    kept.Add(message.DeliveryTag);
                }
            }
        }
        finally
        {
            foreach (var tag in kept)
            {
                await channel.BasicNackAsync(tag, multiple: false, requeue: true, CancellationToken.None);
            }
        }
    }

    /// <summary>The number of messages in <paramref name="queue"/>, or null when it does not exist (yet).</summary>
    private async Task<uint?> MessageCount(string queue, CancellationToken ct)
    {
        // A passive declare of a missing queue closes the channel: one channel per look.
        await using var channel = await (await Connection(ct)).CreateChannelAsync(cancellationToken: ct);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, ct)).MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private async Task<IConnection> Connection(CancellationToken ct)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _connecting.WaitAsync(ct);
        try
        {
            if (_connection is { IsOpen: true } raced)
            {
                return raced;
            }

            _connection?.Dispose();
            var factory = new ConnectionFactory
            {
                Uri = connections.RabbitMqUrl,
                VirtualHost = connections.RabbitMqVirtualHost,
                UserName = connections.RabbitMqUser,
                Password = connections.RabbitMqPassword,
                ClientProvidedName = "agents-api-dead-letters",
            };
            _connection = await factory.CreateConnectionAsync(ct);
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private static BasicProperties WithoutFaultHeaders(IReadOnlyBasicProperties original)
    {
        var properties = new BasicProperties(original);
        var headers = original.Headers?
            .Where(h => !h.Key.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase) && h.Key != "MT-Reason")
            .ToDictionary(h => h.Key, h => h.Value) ?? [];
        headers["x-agents-replayed-at"] = DateTimeOffset.UtcNow.ToString("O");
        properties.Headers = headers;
        properties.Persistent = true;
        return properties;
    }

    private static DeadLetter Read(BasicGetResult message)
    {
        var properties = message.BasicProperties;
        var body = Encoding.UTF8.GetString(message.Body.Span);
        return new DeadLetter
        {
            MessageId = properties.MessageId,
            MessageType = Header(properties, "MT-Fault-MessageType"),
            Reason = Header(properties, "MT-Fault-Message"),
            ExceptionType = Header(properties, "MT-Fault-ExceptionType"),
            FaultedAt = Header(properties, "MT-Fault-Timestamp"),
            InputAddress = Header(properties, "MT-Fault-InputAddress"),
            ConsumerType = Header(properties, "MT-Fault-ConsumerType"),
            RetryCount = int.TryParse(Header(properties, "MT-Fault-RetryCount"), out var retries) ? retries : null,
            Body = body.Length > MaxBodyChars ? body[..MaxBodyChars] : body,
            BodyTruncated = body.Length > MaxBodyChars,
        };
    }

    private static string? Header(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers is not null && properties.Headers.TryGetValue(name, out var value)
            ? value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                null => null,
                _ => value.ToString(),
            }
            : null;
}
