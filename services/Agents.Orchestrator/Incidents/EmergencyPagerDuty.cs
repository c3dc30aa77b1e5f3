using System.Net.Http.Json;
using Agents.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The emergency page sent straight to PagerDuty by the orchestrator, besides the one through the notification agent
/// (which may be what is down): with <c>Notification__Channels__PagerDuty__RoutingKey</c> set for the orchestrator, a
/// trigger under the incident's dedup key, so that the two pages make one alert. Never throws: a failure is logged, the
/// page through the agent still goes.
/// </summary>
public sealed partial class EmergencyPagerDuty(IConfiguration configuration, IHttpClientFactory clients, TimeProvider clock, ILogger<EmergencyPagerDuty> logger)
{
    public const string Client = "pagerduty-emergency";

    private readonly string? _routingKey = configuration[$"{PagerDutyEvents.Section}:RoutingKey"];

    private readonly Uri _baseUrl = new(configuration[$"{PagerDutyEvents.Section}:BaseUrl"] is { Length: > 0 } url ? url : PagerDutyEvents.DefaultBaseUrl);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(_routingKey);

    public async Task PageAsync(Guid incidentId, string reason)
    {
        if (!IsConfigured)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            using var response = await clients.CreateClient(Client).PostAsJsonAsync(new Uri(_baseUrl, "v2/enqueue"),
                PagerDutyEvents.EmergencyTrigger(_routingKey!, incidentId, reason, clock.GetUtcNow()), timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                LogPaged(logger, incidentId);
            }
            else
            {
                LogFailed(logger, incidentId, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            LogFailed(logger, incidentId, e.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 1311, Level = LogLevel.Warning, Message = "Emergency page for incident {IncidentId} sent straight to PagerDuty")]
    private static partial void LogPaged(ILogger logger, Guid incidentId);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Error, Message = "Emergency page for incident {IncidentId} could not reach PagerDuty ({Why}); the page through the notification agent still goes")]
    private static partial void LogFailed(ILogger logger, Guid incidentId, string why);
}
