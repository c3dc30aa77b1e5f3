using Agents.Hosting.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Agents.Hosting.Agents;

/// <summary>Chooses an agent's brain from configuration: the rule-based one, or the model-based one over Azure OpenAI.</summary>
public static class AgentBrains
{
    /// <summary>
    /// Registers <typeparamref name="TRules"/> as the agent's brain, or <typeparamref name="TLlm"/> when
    /// <c>Agent__Brain=llm</c>; the latter with the chat client of the <c>Llm__*</c> settings, checked at start-up so that a
    /// missing endpoint, deployment or key stops the service with the names of the settings instead of failing each message.
    /// </summary>
    public static IHostApplicationBuilder AddAgentBrain<TCommand, TResult, TRules, TLlm>(this IHostApplicationBuilder builder)
        where TResult : class
        where TRules : class, IAgentBrain<TCommand, TResult>
        where TLlm : class, IAgentBrain<TCommand, TResult> =>
        builder.AddBrain<IAgentBrain<TCommand, TResult>, TRules, TLlm>();

    /// <summary>
    /// As <see cref="AddAgentBrain{TCommand, TResult, TRules, TLlm}"/>, for a part of an agent's brain registered as
    /// <typeparamref name="TService"/> (e.g. the notification writer, which the delivering brain wraps).
    /// </summary>
    public static IHostApplicationBuilder AddBrain<TService, TRules, TLlm>(this IHostApplicationBuilder builder)
        where TService : class
        where TRules : class, TService
        where TLlm : class, TService
    {
        var brain = builder.Configuration[$"{AgentOptions.SectionName}:Brain"] ?? AgentOptions.Rules;
        if (!string.Equals(brain, AgentOptions.Llm, StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddSingleton<TService, TRules>();
            return builder;
        }

        builder.AddValidatedOptions<LlmOptions>(LlmOptions.SectionName)
            .Validate(o => o.IsConfigured, "Agent__Brain=llm needs Llm__Endpoint, Llm__Deployment and Llm__ApiKey (with Llm__Provider=openai: Llm__Model or Llm__Deployment, the key optional).")
            .Validate(o => o.Provider != LlmOptions.AzureProvider || string.IsNullOrWhiteSpace(o.ApiVersion) || LlmClients.AzureApiVersions.Contains(o.ApiVersion.Trim().ToLowerInvariant()),
                $"Llm__ApiVersion must be one of {string.Join(", ", LlmClients.AzureApiVersions)} (or empty for {LlmOptions.DefaultApiVersion}).");
        builder.Services.AddSingleton(sp => LlmClients.Create(sp.GetRequiredService<IOptions<LlmOptions>>().Value));
        builder.Services.AddSingleton(sp => new StructuredChat(sp.GetRequiredService<IChatClient>(), sp.GetRequiredService<IOptions<LlmOptions>>().Value));
        builder.Services.AddSingleton<TService, TLlm>();
        return builder;
    }
}
