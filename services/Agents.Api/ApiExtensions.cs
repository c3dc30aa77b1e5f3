using Agents.Hosting.Remediation;
using Agents.Api.Security;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;

namespace Agents.Api;

public static class ApiExtensions
{
    /// <summary>The HTTP API: incidents, claims and deliberations through the orchestrator over the bus, and the error queues.</summary>
    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ApiOptions>(ApiOptions.SectionName);
        builder.AddApiSecurity();
        // One line per refused credential at Information would let anyone fill the log; the audit trail has them.
        builder.Logging.AddFilter(typeof(Security.ApiKeyHandler).FullName, LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Authentication", LogLevel.Warning);
        builder.Services.AddApiDocument();
        builder.Services.AddSingleton<DeadLetters>();
        builder.AddRemediationKillSwitch();
        builder.AddAgentsMessaging(x =>
        {
            x.AddRequestClient<GetIncident>();
            x.AddRequestClient<ListIncidents>();
            x.AddRequestClient<GetSegmentHistory>();
            x.AddRequestClient<RollbackSegment>();
            x.AddRequestClient<RerunIncident>();
            x.AddRequestClient<AcknowledgeIncident>();
            x.AddRequestClient<ResolveIncident>();
            x.AddRequestClient<DecideApproval>();
            x.AddRequestClient<GetDeliberation>();
            x.AddRequestClient<ListDeliberations>();
        });
        return builder;
    }
}
