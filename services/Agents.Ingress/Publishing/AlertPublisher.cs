using System.Collections.Concurrent;
using System.Diagnostics;
using Agents.Contracts;
using Agents.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Agents.Ingress.Publishing;

/// <summary>
/// Publishes accepted webhook bodies, unchanged, to the <c>alerts</c> exchange: persistent, mandatory (a body no queue
/// would take is returned, not dropped), each publish waiting for the broker's confirm. Publishes run concurrently, each
/// on a channel of its own from a small pool, so confirms overlap. While the broker is unreachable every publish fails
/// at once with <see cref="BrokerUnavailableException"/> (the webhook is answered 503 and its sender retries); the client
/// library reconnects by itself once it has connected the first time, and <see cref="Connect"/> keeps trying until then.
/// Also the ingress' readiness check: ready while connected.
/// </summary>
public sealed class AlertPublisher : IAsyncDisposable, IHealthCheck
{
    /// <summary>Headers every published alert carries.</summary>
    public static class Headers
    {
        public const string Source = "agents-source";
        public const string SourceKind = "agents-source-kind";
        public const string VerifiedBy = "agents-verified-by";
    }

    /// <summary>MassTransit's trace-context header (<c>DiagnosticHeaders.ActivityId</c>): the W3C id of the parent span.</summary>
    private const string ActivityIdHeader = "MT-Activity-Id";

    private readonly ConnectionFactory _factory;
    private readonly IngressOptions _options;
    private readonly ILogger<AlertPublisher> _logger;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<IChannel> _idle = [];
    private volatile IConnection? _connection;

    public AlertPublisher(AgentsConnections connections, IOptions<IngressOptions> options, ILogger<AlertPublisher> logger)
    {
        _options = options.Value;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.PublishChannels, _options.PublishChannels);
        var url = connections.RabbitMqUrl;
        _factory = new ConnectionFactory
        {
            HostName = url.Host,
            Port = connections.RabbitMqPort,
            UserName = connections.RabbitMqUser,
            Password = connections.RabbitMqPassword,
            VirtualHost = connections.RabbitMqVirtualHost,
            Ssl = { Enabled = url.Scheme == "amqps", ServerName = url.Host },
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            ClientProvidedName = $"agents-ingress {Environment.MachineName}-{Environment.ProcessId}",
        };
    }

    public bool IsConnected => _connection is { IsOpen: true };

    /// <summary>
    /// Publishes <paramref name="body"/> and waits for its confirm; throws <see cref="BrokerUnavailableException"/> when
    /// the broker is unreachable, refuses it, returns it unroutable or does not confirm within the timeout.
    /// </summary>
    public async Task<string> Publish(ReadOnlyMemory<byte> body, string source, string kind, string verifiedBy, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConfirmTimeout);
        if (!await _slots.WaitAsync(_options.ConfirmTimeout, cancellationToken))
        {
            throw new BrokerUnavailableException("every publish channel waited for a confirm for the whole timeout");
        }

        IChannel? channel = null;
        // The publish is a span of the webhook's trace, and the intake's consume continues it (MassTransit reads its
        // parent from MT-Activity-Id), so an incident's trace starts at the webhook that brought it.
        using var activity = AgentsTelemetry.ActivitySource.StartActivity($"{AgentQueues.AlertsExchange} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", AgentQueues.AlertsExchange);
        activity?.SetTag("agents.webhook.source", source);
        try
        {
            channel = await Rent(timeout.Token);
            var messageId = Guid.NewGuid().ToString();
            var properties = new BasicProperties
            {
                Persistent = true,
                ContentType = "application/json",
                MessageId = messageId,
                AppId = "agents-ingress",
                Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
                Headers = new Dictionary<string, object?>
                {
                    [Headers.Source] = source,
                    [Headers.SourceKind] = kind,
                    [Headers.VerifiedBy] = verifiedBy,
                    [ActivityIdHeader] = (activity ?? Activity.Current)?.Id,
                },
            };
            await channel.BasicPublishAsync(AgentQueues.AlertsExchange, $"{kind}.{source}", mandatory: true, properties, body, timeout.Token);
            _idle.Add(channel);
            channel = null;
            return messageId;
        }
        catch (PublishException e) when (e.IsReturn)
        {
            throw new BrokerUnavailableException($"no queue is bound to the exchange '{AgentQueues.AlertsExchange}' (is the orchestrator running?)", e);
        }
        catch (PublishException e)
        {
            throw new BrokerUnavailableException("the broker refused the alert (nack)", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BrokerUnavailableException($"no confirm within {Durations.Format(_options.ConfirmTimeout)}", e);
        }
        catch (Exception e) when (e is not BrokerUnavailableException && !cancellationToken.IsCancellationRequested)
        {
            // Closed, interrupted, out of channels, shutting down: the alert was not confirmed, and the sender retries.
            throw new BrokerUnavailableException($"the broker is unreachable ({e.GetType().Name})", e);
        }
        finally
        {
            if (channel is not null)
            {
                // Its state after a failure is unknown (a confirm may still come): never reuse it.
                activity?.SetStatus(ActivityStatusCode.Error, "not confirmed");
                await Discard(channel);
            }

            _slots.Release();
        }
    }

    /// <summary>Connects (and declares the exchange) unless connected; false while the broker cannot be reached.</summary>
    public async Task<bool> Connect(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return _connection.IsOpen;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not null)
            {
                return _connection.IsOpen;
            }

            var connection = await _factory.CreateConnectionAsync(cancellationToken);
            try
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                // The same declaration as the intake's binding (MessagingExtensions.ReadRawJsonFrom): a mismatch closes the channel.
                await channel.ExchangeDeclareAsync(AgentQueues.AlertsExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }

            _connection = connection;
            IngressLog.Connected(_logger, _factory.HostName, _factory.Port, _factory.VirtualHost);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Unreachable, refused credentials, a mismatched exchange: not ready, said in the log, tried again.
            IngressLog.ConnectFailed(_logger, _factory.HostName, _factory.Port, e.GetBaseException().Message);
            return false;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsConnected
            ? HealthCheckResult.Healthy("connected to the broker")
            : HealthCheckResult.Unhealthy("not connected to the broker: webhooks are answered 503"));

    private async Task<IChannel> Rent(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var idle))
        {
            if (idle.IsOpen)
            {
                return idle;
            }

            await Discard(idle);
        }

        if (_connection is not { } connection)
        {
            if (!await Connect(cancellationToken))
            {
                throw new BrokerUnavailableException("the broker is unreachable");
            }

            connection = _connection!;
        }

        if (!connection.IsOpen)
        {
            throw new BrokerUnavailableException("the connection to the broker is down (reconnecting)");
        }

        return await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
    }

    private static async Task Discard(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync();
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or IOException or ObjectDisposedException)
        {
            // Already gone with its connection.
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var channel))
        {
            await Discard(channel);
        }

        if (_connection is { } connection)
        {
            await connection.DisposeAsync();
        }
    }
}

/// <summary>The broker did not take an alert (down, unreachable, refused, unroutable or no confirm in time): answer 503.</summary>
public sealed class BrokerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Connects to the broker at start-up and keeps trying until it can, so readiness reflects the broker.</summary>
internal sealed class BrokerConnector(AlertPublisher publisher) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        while (!await publisher.Connect(stoppingToken) && await timer.WaitForNextTickAsync(stoppingToken))
        {
        }
    }
}
