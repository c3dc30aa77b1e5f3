using Agents.Hosting;
using Microsoft.Extensions.Configuration;

// The root namespace, not ...Tests.Hosting: that one would hide Agents.Hosting from the tests that name its types as Hosting.X.
namespace Agents.Orchestrator.Tests;

/// <summary>
/// Where the services find the broker and the database: the local defaults in Development only, explicit settings
/// everywhere else, and never a password in a message.
/// </summary>
public sealed class AgentsConnectionsTests
{
    private const string Marker = "Pw-Marker-7c1e9a";
    private const string BrokerUrl = $"amqp://orchestrator:{Marker}@rabbitmq.internal:5672";
    private const string Database = $"Host=postgres.internal;Port=5432;Username=orchestrator;Password={Marker};Database=agents";

    private static IConfiguration Settings(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .Build();

    [Fact]
    public void Development_without_settings_uses_the_local_servers()
    {
        var connections = AgentsConnections.From(Settings(), isDevelopment: true);

        Assert.Equal(new Uri(AgentsConnections.DefaultRabbitMqUrl), connections.RabbitMqUrl);
        Assert.Equal("/", connections.RabbitMqVirtualHost);
        Assert.Equal(AgentsConnections.DefaultPostgresConnection, connections.PostgresConnection);
    }

    [Fact]
    public void Development_with_settings_uses_them()
    {
        var connections = AgentsConnections.From(
            Settings(("RABBITMQ_URL", BrokerUrl), ("POSTGRES_CONNECTION", Database)), isDevelopment: true);

        Assert.Equal("rabbitmq.internal", connections.RabbitMqUrl.Host);
        Assert.Equal(Database, connections.PostgresConnection);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Outside_development_no_broker_url_refuses_to_start_naming_the_variable(string? url)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            AgentsConnections.From(Settings(("RABBITMQ_URL", url), ("POSTGRES_CONNECTION", Database)), isDevelopment: false));

        Assert.StartsWith("RABBITMQ_URL is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("DOTNET_ENVIRONMENT=Development", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Marker, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("guest", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amqp://rabbitmq.internal:5672")]
    [InlineData("amqp://orchestrator@rabbitmq.internal:5672")]
    [InlineData("amqp://:" + Marker + "@rabbitmq.internal:5672")]
    public void Outside_development_a_broker_url_without_user_and_password_is_refused(string url)
    {
        var error = Assert.Throws<InvalidOperationException>(() => AgentsConnections.From(Settings(("RABBITMQ_URL", url)), isDevelopment: false));

        Assert.Contains("names no user and password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Marker, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rabbitmq.internal", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://orchestrator:" + Marker + "@rabbitmq.internal:5672")]
    [InlineData("orchestrator:" + Marker + "@rabbitmq.internal")]
    [InlineData("not a url " + Marker)]
    public void A_malformed_broker_url_is_refused_without_repeating_it(string url)
    {
        foreach (var development in new[] { true, false })
        {
            var error = Assert.Throws<InvalidOperationException>(() => AgentsConnections.From(Settings(("RABBITMQ_URL", url)), development));

            Assert.StartsWith("RABBITMQ_URL is not an amqp:// or amqps:// URL", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Marker, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Outside_development_without_a_database_only_reading_the_connection_string_fails_naming_the_variable()
    {
        // Services without a database (the agents, the ingress) start; one that reads it stops there.
        var connections = AgentsConnections.From(Settings(("RABBITMQ_URL", BrokerUrl), ("POSTGRES_CONNECTION", " ")), isDevelopment: false);

        Assert.False(connections.HasPostgresConnection);
        var error = Assert.Throws<InvalidOperationException>(() => connections.PostgresConnection);
        Assert.StartsWith("POSTGRES_CONNECTION is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("Postgres__Connection", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Marker, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AgentsConnections.DefaultPostgresConnection, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_explicit_settings_are_used_from_either_spelling()
    {
        var variables = AgentsConnections.From(
            Settings(("RABBITMQ_URL", BrokerUrl), ("RABBITMQ_VHOST", "agents"), ("POSTGRES_CONNECTION", Database)), isDevelopment: false);
        var sections = AgentsConnections.From(
            Settings(("RabbitMq:Url", BrokerUrl + "/agents"), ("Postgres:Connection", Database)), isDevelopment: false);

        foreach (var connections in new[] { variables, sections })
        {
            Assert.Equal("rabbitmq.internal", connections.RabbitMqUrl.Host);
            Assert.Equal(5672, connections.RabbitMqPort);
            Assert.Equal("agents", connections.RabbitMqVirtualHost);
            Assert.Equal("orchestrator", connections.RabbitMqUser);
            Assert.Equal(Marker, connections.RabbitMqPassword);
            Assert.True(connections.HasPostgresConnection);
            Assert.Equal(Database, connections.PostgresConnection);
        }
    }

    [Fact]
    public void A_password_may_hold_a_colon_and_escaped_characters()
    {
        var connections = AgentsConnections.From(Settings(("RABBITMQ_URL", "amqps://svc:a:b%40c@rabbitmq.internal")), isDevelopment: false);

        Assert.Equal("svc", connections.RabbitMqUser);
        Assert.Equal("a:b@c", connections.RabbitMqPassword);
        Assert.Equal(5671, connections.RabbitMqPort);
    }

    [Fact]
    public void The_text_of_the_connections_holds_no_password()
    {
        var configured = AgentsConnections.From(Settings(("RABBITMQ_URL", BrokerUrl), ("POSTGRES_CONNECTION", Database)), isDevelopment: false);
        var unconfigured = AgentsConnections.From(Settings(("RABBITMQ_URL", BrokerUrl)), isDevelopment: false);

        Assert.DoesNotContain(Marker, configured.ToString(), StringComparison.Ordinal);
        Assert.Contains("orchestrator@rabbitmq.internal:5672", configured.ToString(), StringComparison.Ordinal);
        Assert.Contains("Postgres = configured", configured.ToString(), StringComparison.Ordinal);
        // A record's generated text would read the connection string, and throw for the unconfigured one.
        Assert.Contains("Postgres = not configured", unconfigured.ToString(), StringComparison.Ordinal);
    }
}
