using Microsoft.Extensions.Configuration;

namespace Agents.Hosting;

/// <summary>
/// Where the broker and the database are: <c>RABBITMQ_URL</c> (or <c>RabbitMq:Url</c>), <c>RABBITMQ_VHOST</c> (or
/// <c>RabbitMq:VirtualHost</c>) and <c>POSTGRES_CONNECTION</c> (or <c>Postgres:Connection</c>), as
/// <c>deploy/local/deps.sh env</c> prints them. Only in the Development environment do missing settings fall back to
/// the local servers of that script (<see cref="DefaultRabbitMqUrl"/>, <see cref="DefaultPostgresConnection"/>);
/// anywhere else a service refuses to start without the broker's URL (with its credentials), and a service that uses
/// the database without its connection string. No message of this class ever holds a configured value: URLs and
/// connection strings carry passwords.
/// </summary>
public sealed record AgentsConnections
{
    /// <summary>The variable that holds the broker's URL.</summary>
    public const string RabbitMqUrlVariable = "RABBITMQ_URL";

    /// <summary>The variable that holds the PostgreSQL connection string.</summary>
    public const string PostgresConnectionVariable = "POSTGRES_CONNECTION";

    /// <summary>The broker of <c>deploy/local/deps.sh</c>: the Development environment's default, never used elsewhere.</summary>
    public const string DefaultRabbitMqUrl = "amqp://guest:guest@127.0.0.1:5682";

    /// <summary>The database of <c>deploy/local/deps.sh</c>: the Development environment's default, never used elsewhere.</summary>
    public const string DefaultPostgresConnection =
        "Host=127.0.0.1;Port=5442;Username=agents;Password=agents;Database=agents";

    private readonly string? _postgresConnection;

    public required Uri RabbitMqUrl { get; init; }

    public required string RabbitMqVirtualHost { get; init; }

    /// <summary>
    /// The PostgreSQL connection string. Reading it when none was configured (outside Development) throws an
    /// <see cref="InvalidOperationException"/> naming the variable to set: a service that uses the database reads it
    /// while it starts, so that it stops there instead of failing its first message.
    /// </summary>
    public string PostgresConnection
    {
        get => _postgresConnection ?? throw new InvalidOperationException(PostgresMissing);
        init => _postgresConnection = string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>Whether a PostgreSQL connection string is configured (or, in Development, defaulted).</summary>
    public bool HasPostgresConnection => _postgresConnection is not null;

    public string RabbitMqUser => Uri.UnescapeDataString(RabbitMqUrl.UserInfo.Split(':', 2)[0] is { Length: > 0 } user ? user : "guest");

    /// <summary>The URL's port, else AMQP's default: 5671 for <c>amqps</c>, 5672 otherwise.</summary>
    public int RabbitMqPort => RabbitMqUrl.Port > 0 ? RabbitMqUrl.Port : RabbitMqUrl.Scheme == "amqps" ? 5671 : 5672;

    public string RabbitMqPassword =>
        RabbitMqUrl.UserInfo.Split(':', 2) is [_, var pass] ? Uri.UnescapeDataString(pass) : "guest";

    /// <summary>
    /// Reads the connections from <paramref name="configuration"/>. Unset (or blank) settings fall back to the local
    /// servers only when <paramref name="isDevelopment"/>; otherwise a missing, malformed or credential-less broker URL
    /// throws here, and a missing connection string throws when <see cref="PostgresConnection"/> is first read.
    /// </summary>
    public static AgentsConnections From(IConfiguration configuration, bool isDevelopment)
    {
        var url = Setting(configuration, RabbitMqUrlVariable, "RabbitMq:Url");
        if (url is null && !isDevelopment)
        {
            throw new InvalidOperationException(
                $"{RabbitMqUrlVariable} is not set: outside the Development environment every service needs the broker's URL "
                + $"with its credentials, in {RabbitMqUrlVariable} (or RabbitMq__Url), e.g. amqp://USER:PASSWORD@rabbitmq:5672. "
                + "The local default (deploy/local/deps.sh's broker) applies only with DOTNET_ENVIRONMENT=Development.");
        }

        if (!Uri.TryCreate(url ?? DefaultRabbitMqUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            // Never the URL itself in the message: it may hold the password.
            throw new InvalidOperationException(
                $"{RabbitMqUrlVariable} is not an amqp:// or amqps:// URL (e.g. amqp://USER:PASSWORD@rabbitmq:5672).");
        }

        if (!isDevelopment && uri.UserInfo.Split(':', 2) is not [{ Length: > 0 }, { Length: > 0 }])
        {
            // Without them the client would log in as guest/guest: a default as silent as a missing URL.
            throw new InvalidOperationException(
                $"{RabbitMqUrlVariable} names no user and password: outside the Development environment give the broker's "
                + "credentials in the URL, e.g. amqp://USER:PASSWORD@rabbitmq:5672 (percent-encode special characters).");
        }

        var pathVhost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        var vhost = Setting(configuration, "RABBITMQ_VHOST", "RabbitMq:VirtualHost")
            ?? (pathVhost.Length > 0 ? pathVhost : "/");

        var connections = new AgentsConnections { RabbitMqUrl = uri, RabbitMqVirtualHost = vhost };
        var postgres = Setting(configuration, PostgresConnectionVariable, "Postgres:Connection")
            ?? (isDevelopment ? DefaultPostgresConnection : null);
        return postgres is null ? connections : connections with { PostgresConnection = postgres };
    }

    /// <summary>Where the connections lead, without credentials (a record's generated text would print both passwords).</summary>
    public override string ToString() =>
        $"AgentsConnections {{ RabbitMq = {RabbitMqUrl.Scheme}://{RabbitMqUser}@{RabbitMqUrl.Host}:{RabbitMqPort}, "
        + $"VirtualHost = {RabbitMqVirtualHost}, Postgres = {(HasPostgresConnection ? "configured" : "not configured")} }}";

    private static string PostgresMissing =>
        $"{PostgresConnectionVariable} is not set: outside the Development environment a service that uses PostgreSQL needs its "
        + $"connection string in {PostgresConnectionVariable} (or Postgres__Connection), "
        + "e.g. Host=postgres;Port=5432;Username=USER;Password=PASSWORD;Database=agents. "
        + "The local default (deploy/local/deps.sh's database) applies only with DOTNET_ENVIRONMENT=Development.";

    private static string? Setting(IConfiguration configuration, string variable, string key) =>
        NonBlank(configuration[variable]) ?? NonBlank(configuration[key]);

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
