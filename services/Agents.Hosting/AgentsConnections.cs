using Microsoft.Extensions.Configuration;

namespace Agents.Hosting;

/// <summary>
/// Where the local servers are. Read from the variables <c>deploy/local/deps.sh env</c> prints
/// (<c>RABBITMQ_URL</c>, <c>RABBITMQ_VHOST</c>, <c>POSTGRES_CONNECTION</c>); the embedded defaults match
/// the ports that script uses.
/// </summary>
public sealed record AgentsConnections
{
    public const string DefaultRabbitMqUrl = "amqp://guest:guest@127.0.0.1:5682";
    public const string DefaultPostgresConnection =
        "Host=127.0.0.1;Port=5442;Username=agents;Password=agents;Database=agents";

    public required Uri RabbitMqUrl { get; init; }

    public required string RabbitMqVirtualHost { get; init; }

    public required string PostgresConnection { get; init; }

    public string RabbitMqUser => Uri.UnescapeDataString(RabbitMqUrl.UserInfo.Split(':')[0] is { Length: > 0 } user ? user : "guest");

    /// <summary>The URL's port, else AMQP's default: 5671 for <c>amqps</c>, 5672 otherwise.</summary>
    public int RabbitMqPort => RabbitMqUrl.Port > 0 ? RabbitMqUrl.Port : RabbitMqUrl.Scheme == "amqps" ? 5671 : 5672;

    public string RabbitMqPassword =>
        RabbitMqUrl.UserInfo.Split(':') is [_, var pass] ? Uri.UnescapeDataString(pass) : "guest";

    public static AgentsConnections From(IConfiguration configuration)
    {
        var url = configuration["RABBITMQ_URL"] ?? configuration["RabbitMq:Url"] ?? DefaultRabbitMqUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            // Never the URL itself in the message: it may hold the password.
            throw new InvalidOperationException(
                $"RABBITMQ_URL is not an amqp:// or amqps:// URL (e.g. amqp://user:password@host:5672).");
        }

        var pathVhost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        var vhost = configuration["RABBITMQ_VHOST"] ?? configuration["RabbitMq:VirtualHost"]
            ?? (pathVhost.Length > 0 ? pathVhost : "/");

        return new AgentsConnections
        {
            RabbitMqUrl = uri,
            RabbitMqVirtualHost = vhost,
            PostgresConnection = configuration["POSTGRES_CONNECTION"] ?? configuration["Postgres:Connection"]
                ?? DefaultPostgresConnection,
        };
    }
}
