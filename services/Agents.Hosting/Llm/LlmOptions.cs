using System.ComponentModel.DataAnnotations;

namespace Agents.Hosting.Llm;

/// <summary>
/// Where an agent's model is (<c>Llm__Provider</c>, <c>Llm__Endpoint</c>, <c>Llm__Deployment</c>, <c>Llm__Model</c>,
/// <c>Llm__ApiKey</c>) and how it is asked (<c>Llm__Temperature</c>, <c>Llm__MaxOutputTokens</c>, <c>Llm__Reasoning</c>,
/// the prompt budgets <c>Llm__MaxDataCharacters</c> and <c>Llm__MaxPromptCharacters</c>): an
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
    /// <see cref="Model"/> (or <see cref="Deployment"/>), <c>Authorization: Bearer</c>), e.g. <c>https://api.openai.com/v1</c>,
    /// <c>http://127.0.0.1:11434/v1</c> (Ollama) or a vLLM server; its key may be left out for a local server.
    /// </summary>
    [RegularExpression("^(azure|openai)$", ErrorMessage = "Llm__Provider must be azure or openai.")]
    public string Provider { get; set; } = AzureProvider;

    /// <summary>The Azure OpenAI resource, e.g. <c>https://my-resource.openai.azure.com/</c>; or the OpenAI-compatible base, e.g. <c>https://api.openai.com/v1</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The deployment name (Azure, part of the request path), or the model name (OpenAI-compatible, in the request body).</summary>
    public string? Deployment { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>
    /// The Azure OpenAI REST api-version (e.g. <c>2024-10-21</c>, <c>2025-04-01-preview</c>); empty takes the SDK's newest,
    /// <see cref="DefaultApiVersion"/>. Only versions the SDK knows are accepted, checked at start-up. The OpenAI-compatible
    /// provider has none.
    /// </summary>
    public string? ApiVersion { get; set; }

    /// <summary>The api-version sent when <see cref="ApiVersion"/> is empty: the newest Azure.AI.OpenAI 2.9 knows.</summary>
    public const string DefaultApiVersion = "2025-04-01-preview";

    /// <summary>
    /// The model asked through <c>Llm__Provider=openai</c> (e.g. <c>gpt-4.1-mini</c>, <c>llama3.1:8b</c>); when left out,
    /// <see cref="Deployment"/> names it. Azure ignores it: there the deployment decides the model.
    /// </summary>
    public string? Model { get; set; }

    /// <summary>Sampling temperature, 0 by default (the same incident gets the same answer); empty leaves it out of the request.</summary>
    [Range(0.0, 2.0)]
    public double? Temperature { get; set; } = 0;

    /// <summary>The most tokens one answer may take (sent as the request's output budget); empty leaves the provider's default.</summary>
    [Range(1, 1_000_000)]
    public int? MaxOutputTokens { get; set; } = 2000;

    /// <summary>A reasoning model (o-series, gpt-5): such deployments refuse <c>temperature</c>, so it is never sent.</summary>
    public bool Reasoning { get; set; }

    /// <summary>The most characters of one piece of incident data in a prompt; the rest is cut with a visible marker.</summary>
    [Range(100, 10_000_000)]
    public int MaxDataCharacters { get; set; } = 20_000;

    /// <summary>The most characters of all the incident data of one prompt together; later pieces are cut first.</summary>
    [Range(100, 10_000_000)]
    public int MaxPromptCharacters { get; set; } = 60_000;

    /// <summary>The longest wait a throttled answer's <c>Retry-After</c> or <c>retry-after-ms</c> may impose before one retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The model name the request carries with <c>Llm__Provider=openai</c>.</summary>
    public string? OpenAIModel => string.IsNullOrWhiteSpace(Model) ? Deployment : Model;

    /// <summary>The temperature a request carries: none for a reasoning model or when left empty.</summary>
    public float? RequestTemperature => Reasoning || Temperature is null ? null : (float)Temperature.Value;

    /// <summary>How long one request may take before it counts as failed (and is retried).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a throttled (429, after its <c>Retry-After</c>) or failed (5xx, timeout) request, with back-off.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    public bool IsConfigured => Endpoint is not null
        && (Provider == OpenAIProvider ? !string.IsNullOrWhiteSpace(OpenAIModel) : !string.IsNullOrWhiteSpace(Deployment) && !string.IsNullOrWhiteSpace(ApiKey));
}
