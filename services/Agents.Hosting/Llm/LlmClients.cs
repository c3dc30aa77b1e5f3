using System.ClientModel;
using System.Diagnostics;
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

    /// <summary>The <c>chat</c> span's tag naming the prompt sent, file and version (e.g. <c>triage.v1</c>).</summary>
    public const string PromptTag = "gen_ai.prompt.name";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key by which a caller names its prompt for <see cref="PromptTag"/>.</summary>
    public const string PromptProperty = "agents.prompt";

    /// <summary>
    /// A chat client for <paramref name="options"/>' deployment or model: requests time out after <see cref="LlmOptions.Timeout"/>;
    /// 408, 429 (honouring <c>retry-after-ms</c> and <c>Retry-After</c>, capped), 5xx and timeouts are retried up to
    /// <see cref="LlmOptions.MaxRetries"/> times with back-off within the timeout, refusals never (<see cref="LlmRetryPolicy"/>);
    /// each call is a span named by its prompt (without the prompt or the answer: incident data stays out of traces).
    /// </summary>
    public static IChatClient Create(LlmOptions options)
    {
        if (!options.IsConfigured)
        {
            throw new InvalidOperationException(
                "The LLM brain needs Llm__Endpoint, Llm__Deployment and Llm__ApiKey (with Llm__Provider=openai: Llm__Model or Llm__Deployment, the key optional); set them or choose Agent__Brain=rules.");
        }

        ChatClient chat;
        if (options.Provider == LlmOptions.OpenAIProvider)
        {
            // A local server (Ollama, vLLM) may take no key; the SDK needs one to send, and such servers ignore it.
            var openai = new OpenAIClient(new ApiKeyCredential(string.IsNullOrWhiteSpace(options.ApiKey) ? "unused" : options.ApiKey), new OpenAIClientOptions
            {
                Endpoint = options.Endpoint,
                NetworkTimeout = options.Timeout,
                RetryPolicy = new LlmRetryPolicy(options),
            });
            chat = openai.GetChatClient(options.OpenAIModel!);
        }
        else
        {
            var azure = new AzureOpenAIClient(options.Endpoint!, new ApiKeyCredential(options.ApiKey!), new AzureOpenAIClientOptions(AzureVersion(options.ApiVersion))
            {
                NetworkTimeout = options.Timeout,
                RetryPolicy = new LlmRetryPolicy(options),
            });
            chat = azure.GetChatClient(options.Deployment!);
        }

        return chat.AsIChatClient()
            .AsBuilder()
            .UseOpenTelemetry(sourceName: ActivitySource)
            .Use(TagPrompt)
            .Build();
    }

    /// <summary>The api-versions Azure.AI.OpenAI can send, by their REST name (<c>2024-10-21</c>, <c>2025-04-01-preview</c>).</summary>
    public static IReadOnlyList<string> AzureApiVersions { get; } = Enum.GetNames<AzureOpenAIClientOptions.ServiceVersion>()
        .Select(name => name[1..].Replace('_', '-').ToLowerInvariant()).ToArray();

    /// <summary>The SDK's service version for <paramref name="apiVersion"/> (empty: <see cref="LlmOptions.DefaultApiVersion"/>), or why not.</summary>
    public static AzureOpenAIClientOptions.ServiceVersion AzureVersion(string? apiVersion)
    {
        var wanted = string.IsNullOrWhiteSpace(apiVersion) ? LlmOptions.DefaultApiVersion : apiVersion.Trim();
        foreach (var version in Enum.GetValues<AzureOpenAIClientOptions.ServiceVersion>())
        {
            if (string.Equals(version.ToString()[1..].Replace('_', '-'), wanted, StringComparison.OrdinalIgnoreCase))
            {
                return version;
            }
        }

        throw new InvalidOperationException(
            $"Llm__ApiVersion '{wanted}' is not an Azure OpenAI api-version this build can send; use one of {string.Join(", ", AzureApiVersions)}.");
    }

    /// <summary>
    /// Runs inside the <c>chat</c> span: puts the prompt's name (<see cref="PromptProperty"/>, e.g. <c>triage.v1</c>) on
    /// it as <see cref="PromptTag"/>, and keeps the property out of the request.
    /// </summary>
    private static Task TagPrompt(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options,
        Func<IEnumerable<Microsoft.Extensions.AI.ChatMessage>, ChatOptions?, CancellationToken, Task> next, CancellationToken cancellationToken)
    {
        if (options?.AdditionalProperties?.TryGetValue(PromptProperty, out var prompt) is true)
        {
            Activity.Current?.SetTag(PromptTag, prompt);
            options = options.Clone();
            options.AdditionalProperties!.Remove(PromptProperty);
        }

        return next(messages, options, cancellationToken);
    }
}
