using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Agents.Hosting.Llm;

/// <summary>The one way an agent talks to a model: Microsoft.Extensions.AI's <see cref="IChatClient"/> over Azure OpenAI or an OpenAI-compatible endpoint.</summary>
public static class LlmClients
{
    /// <summary>The activity source of the model calls: one <c>chat {deployment}</c> span per call with the <c>gen_ai.*</c> attributes.</summary>
    public const string ActivitySource = "Agents.Llm";

    /// <summary>
    /// A chat client for <paramref name="options"/>' deployment: requests time out after <see cref="LlmOptions.Timeout"/>;
    /// 429 (honouring <c>Retry-After</c>), 5xx and timeouts are retried up to <see cref="LlmOptions.MaxRetries"/> times with
    /// exponential back-off; each call is a span (without the prompt or the answer: incident data stays out of traces).
    /// </summary>
    public static IChatClient Create(LlmOptions options)
    {
        if (!options.IsConfigured)
        {
            throw new InvalidOperationException(
                "The LLM brain needs Llm__Endpoint, Llm__Deployment and Llm__ApiKey (the key may be left out with Llm__Provider=openai); set them or choose Agent__Brain=rules.");
        }

        ChatClient chat;
        if (options.Provider == LlmOptions.OpenAIProvider)
        {
            // A local server (Ollama, vLLM) may take no key; the SDK needs one to send, and such servers ignore it.
            var openai = new OpenAIClient(new ApiKeyCredential(string.IsNullOrWhiteSpace(options.ApiKey) ? "unused" : options.ApiKey), new OpenAIClientOptions
            {
                Endpoint = options.Endpoint,
                NetworkTimeout = options.Timeout,
                RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
            });
            chat = openai.GetChatClient(options.Deployment!);
        }
        else
        {
            var azure = new AzureOpenAIClient(options.Endpoint!, new ApiKeyCredential(options.ApiKey!), new AzureOpenAIClientOptions
            {
                NetworkTimeout = options.Timeout,
                RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
            });
            chat = azure.GetChatClient(options.Deployment!);
        }

        return chat.AsIChatClient()
            .AsBuilder()
            .UseOpenTelemetry(sourceName: ActivitySource)
            .Build();
    }
}
