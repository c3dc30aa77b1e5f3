using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Agents;

internal static partial class AgentLog
{
    [LoggerMessage(LogLevel.Information, "{Agent}: incident {IncidentId} attempt {Attempt} done in {ElapsedMs:0.0} ms")]
    public static partial void Succeeded(ILogger logger, string agent, Guid incidentId, int attempt, double elapsedMs);

    [LoggerMessage(LogLevel.Warning, "{Agent}: incident {IncidentId} attempt {Attempt} failed: {Reason}")]
    public static partial void Failed(ILogger logger, string agent, Guid incidentId, int attempt, string reason);
}
