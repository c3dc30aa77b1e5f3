namespace Agents.Api;

internal static partial class ApiLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Critical,
        Message = "Audit row NOT written ({Reason}): {Action} by {Actor} on '{Target}', {Outcome} ({StatusCode})")]
    public static partial void AuditNotWritten(ILogger logger, string action, string actor, string target, string outcome, int statusCode, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Critical,
        Message = "The audit trail cannot be written ({Reason}): operator actions are refused with 503 until it can")]
    public static partial void AuditUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Critical,
        Message = "AUTHENTICATION IS DISABLED (Auth__Disabled=true, Development environment): anyone who can reach this API is an admin and claims reviewer. Never run so where others can connect.")]
    public static partial void AuthenticationDisabled(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "API authentication: {ApiKeys} API key(s) ({Names}); OIDC {Oidc}")]
    public static partial void AuthenticationConfigured(ILogger logger, int apiKeys, string names, string oidc);
}
