using System.Text.Json;
using Agents.Contracts;
using Agents.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>The bus conventions every service shares, in one place.</summary>
public static class MessagingExtensions
{
    /// <summary>
    /// Adds MassTransit on RabbitMQ (connection from <see cref="AgentsConnections"/>), kebab-case endpoint
    /// names, the message scheduler reached at <c>queue:scheduler</c>, and on every endpoint: a database outage waited
    /// out (<see cref="MessagingOptions.OutageRetryFor"/>), retries with back-off for other transient faults (never for <see cref="PermanentMessageException"/> or a fault <see cref="DataFaults"/> puts down to the data), the in-memory
    /// outbox, and the reports that wait for a consume's success (<see cref="AfterConsume"/>); prefetch and concurrency
    /// from <see cref="MessagingOptions"/> when set. On SIGTERM the bus stops taking messages, finishes the ones in hand
    /// (up to <c>MassTransitHostOptions.StopTimeout</c>) and closes, which returns the prefetched ones to the queue. <paramref name="configure"/> registers the service's consumers and sagas.
    /// </summary>
    public static IHostApplicationBuilder AddAgentsMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator> configure,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
    {
        var connections = AgentsConnections.From(builder.Configuration, builder.Environment.IsDevelopment());
        builder.Services.AddOptions<RabbitMqTransportOptions>().Configure(o =>
        {
            o.Host = connections.RabbitMqUrl.Host;
            o.Port = (ushort)connections.RabbitMqPort;
            o.VHost = connections.RabbitMqVirtualHost;
            o.User = connections.RabbitMqUser;
            o.Pass = connections.RabbitMqPassword;
            o.UseSsl = connections.RabbitMqUrl.Scheme == "amqps";
        });
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        builder.AddValidatedOptions<MessagingOptions>(MessagingOptions.SectionName);
        builder.AddValidatedOptions<AgentOptions>(AgentOptions.SectionName);
        var scheduler = AgentQueues.Address(AgentQueues.Scheduler);
        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.AddMessageScheduler(scheduler);
            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                var tuning = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                if (tuning.PrefetchCount is { } prefetch)
                {
                    endpoint.PrefetchCount = prefetch;
                }

                if (tuning.ConcurrentMessageLimit is { } limit)
                {
                    endpoint.ConcurrentMessageLimit = limit;
                }

                var outage = MessagingOptions.OutageIntervals(tuning.OutageRetryFor);
                endpoint.UseMessageRetry(r =>
                {
                    // Bad input never gets better by waiting: straight to the error queue.
                    r.Ignore<PermanentMessageException>();
                    if (outage.Length > 0)
                    {
                        r.Ignore<Exception>(OutageFaults.IsOutage);
                    }

                    r.Ignore<JsonException>();
                    r.Ignore<Exception>(DataFaults.IsCausedByData);
                    r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(300));
                    r.ConnectRetryObserver(new SagaConflictTelemetry());
                });
                if (outage.Length > 0)
                {
                    // The database restarting or failing over: waited out by a policy of its own, inside the one above (which
                    // lets these through untouched, and stays the outer one so that a dead letter's retry count is its own).
                    endpoint.UseMessageRetry(r =>
                    {
                        r.Handle<Exception>(OutageFaults.IsOutage);
                        r.Intervals(outage);
                    });
                }

                endpoint.UseInMemoryOutbox(context);
                endpoint.UseFilter(new AfterConsumeFilter());
            });

            configure(x);

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.UseMessageScheduler(scheduler);
                configureBus?.Invoke(context, cfg);
                cfg.ConfigureEndpoints(context);
            });
        });

        return builder;
    }

    /// <summary>
    /// Makes <paramref name="endpoint"/> read third-party JSON (no MassTransit envelope, any or no content
    /// type) from the durable topic exchange <paramref name="exchange"/>, every routing key.
    /// </summary>
    public static void ReadRawJsonFrom(this IReceiveEndpointConfigurator endpoint, string exchange)
    {
        endpoint.ConfigureConsumeTopology = false;
        endpoint.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.Bind(exchange, b =>
            {
                b.ExchangeType = "topic";
                b.RoutingKey = "#";
                b.Durable = true;
                b.AutoDelete = false;
            });
        }
    }
}

