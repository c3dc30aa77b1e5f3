namespace Agents.Ingress;

/// <summary>The ingress' log lines. None carries a credential, a header value or a body.</summary>
internal static partial class IngressLog
{
    [LoggerMessage(LogLevel.Information, "Connected to the broker at {Host}:{Port}, virtual host {VirtualHost}")]
    public static partial void Connected(ILogger logger, string host, int port, string virtualHost);

    [LoggerMessage(LogLevel.Warning, "Cannot reach the broker at {Host}:{Port} ({Reason}); webhooks are answered 503 until it can")]
    public static partial void ConnectFailed(ILogger logger, string host, int port, string reason);

    [LoggerMessage(LogLevel.Debug, "Accepted {Kind} webhook from {Source} ({Bytes} bytes, {Method}) as message {MessageId}")]
    public static partial void Accepted(ILogger logger, string kind, string source, int bytes, string method, string messageId);

    [LoggerMessage(LogLevel.Warning, "Refused {Kind} webhook from {Source} at {Client} with {Status} ({Reason}): {Detail}")]
    public static partial void Refused(ILogger logger, string kind, string source, string? client, int status, string reason, string detail);

    [LoggerMessage(LogLevel.Warning, "Could not publish {Kind} webhook from {Source}; answered 503: {Detail}")]
    public static partial void NotPublished(ILogger logger, string kind, string source, string detail);
}
