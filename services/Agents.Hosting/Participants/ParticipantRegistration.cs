using Agents.Hosting.Agents;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Agents.Hosting.Participants;

/// <summary>Puts participant <typeparamref name="TParticipant"/> on the queue of its name, with a bounded concurrency.</summary>
public sealed class ParticipantConsumerDefinition<TParticipant> : ConsumerDefinition<ParticipantConsumer<TParticipant>>
    where TParticipant : IParticipant
{
    public ParticipantConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Name = TParticipant.Name;
            // Requests are sent to this queue, never published: nothing to bind.
            e.ConfigureConsumeTopology = false;
        });
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ParticipantConsumer<TParticipant>> consumerConfigurator,
        IRegistrationContext context)
    {
        if (context.GetRequiredService<IOptions<MessagingOptions>>().Value.ConcurrentMessageLimit is { } limit)
        {
            consumerConfigurator.ConcurrentMessageLimit = limit;
        }
    }
}

public static class ParticipantRegistration
{
    /// <summary>
    /// Participant <typeparamref name="TParticipant"/> with <typeparamref name="TRules"/> as its brain, or
    /// <typeparamref name="TLlm"/> when <c>Agent__Brain=llm</c> (see <see cref="AgentBrains.AddBrain{TService, TRules, TLlm}"/>).
    /// Register its consumer with <see cref="AddParticipant{TParticipant}"/>.
    /// </summary>
    public static IHostApplicationBuilder AddParticipantBrain<TParticipant, TRules, TLlm>(this IHostApplicationBuilder builder)
        where TParticipant : IParticipant
        where TRules : class, IParticipantBrain<TParticipant>
        where TLlm : class, IParticipantBrain<TParticipant> =>
        builder.AddBrain<IParticipantBrain<TParticipant>, TRules, TLlm>();

    /// <summary>The consumer of participant <typeparamref name="TParticipant"/>'s queue (its brain registered separately).</summary>
    public static IBusRegistrationConfigurator AddParticipant<TParticipant>(this IBusRegistrationConfigurator x)
        where TParticipant : IParticipant
    {
        x.AddConsumer<ParticipantConsumer<TParticipant>, ParticipantConsumerDefinition<TParticipant>>();
        return x;
    }
}
