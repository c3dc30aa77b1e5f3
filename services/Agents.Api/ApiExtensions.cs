using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;

namespace Agents.Api;

public static class ApiExtensions
{
    /// <summary>The HTTP API: incidents, claims and deliberations through the orchestrator over the bus, and the error queues.</summary>
    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ApiOptions>(ApiOptions.SectionName);
        builder.Services.AddSingleton<DeadLetters>();
        builder.AddAgentsMessaging(x =>
        {
            x.AddRequestClient<GetIncident>();
            x.AddRequestClient<ListIncidents>();
            x.AddRequestClient<GetSegmentHistory>();
            x.AddRequestClient<RollbackSegment>();
            x.AddRequestClient<RerunIncident>();
            x.AddRequestClient<GetDeliberation>();
            x.AddRequestClient<ListDeliberations>();
        });
        return builder;
    }
}
