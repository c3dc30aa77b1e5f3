using MassTransit;

namespace Agents.ChangeFreeze;

public static class ChangeFreezeExtensions
{
    /// <summary>
    /// The <c>change-freeze</c> plug-in agent (docs/plugin-agents.md): answers a workflow step's
    /// <see cref="Agents.Contracts.Steps.RunIncidentStep"/> on its queue <c>change-freeze</c>, failing the step while a
    /// freeze window of the step's settings covers the incident's service. Rules only, read-only: no model, no ledger.
    /// </summary>
    public static WebApplicationBuilder AddChangeFreeze(this WebApplicationBuilder builder)
    {
        builder.AddAgentsMessaging(x => x.AddConsumer<ChangeFreezeConsumer, ChangeFreezeConsumerDefinition>());
        return builder;
    }
}
