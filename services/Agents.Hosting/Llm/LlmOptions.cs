using System.ComponentModel.DataAnnotations;

namespace Agents.Hosting.Llm;

/// <summary>
/// Where an agent's model is (<c>Llm__Provider</c>, <c>Llm__Endpoint</c>, <c>Llm__Deployment</c>, <c>Llm__ApiKey</c>): an
/// Azure OpenAI resource and the deployment this agent uses, or any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM)
/// and the model this agent uses. Each agent is its own service, so each can name its own deployment or model. The key
/// is read from configuration (an environment variable or a secret store), never logged, never sent to the model and
/// never put on a span.
/// </summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    public const string AzureProvider = "azure";
    public const string OpenAIProvider = "openai";

    /// <summary>
    /// <c>azure</c> (default): Azure OpenAI (<c>{endpoint}/openai/deployments/{deployment}/chat/completions</c>, <c>api-key</c>
    /// header). <c>openai</c>: any OpenAI-compatible server (<c>{endpoint}/chat/completions</c> with the model named
    /// <see cref="Deployment"/>, <c>Authorization: Bearer</c>), e.g. <c>https://api.openai.com/v1</c>,
    /// <c>http://127.0.0.1:11434/v1</c> (Ollama) or a vLLM server; its key may be left out for a local server.
    /// </summary>
    [RegularExpression("^(azure|openai)$", ErrorMessage = "Llm__Provider must be azure or openai.")]
    public string Provider { get; set; } = AzureProvider;

    /// <summary>The Azure OpenAI resource, e.g. <c>https://my-resource.openai.azure.com/</c>; or the OpenAI-compatible base, e.g. <c>https://api.openai.com/v1</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The deployment name (Azure, part of the request path), or the model name (OpenAI-compatible, in the request body).</summary>
    public string? Deployment { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>How long one request may take before it counts as failed (and is retried).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a throttled (429, after its <c>Retry-After</c>) or failed (5xx, timeout) request, with back-off.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    public bool IsConfigured => Endpoint is not null && !string.IsNullOrWhiteSpace(Deployment)
        && (!string.IsNullOrWhiteSpace(ApiKey) || Provider == OpenAIProvider);
}
