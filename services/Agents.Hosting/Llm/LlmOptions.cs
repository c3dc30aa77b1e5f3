using System.ComponentModel.DataAnnotations;

namespace Agents.Hosting.Llm;

/// <summary>
/// Where an agent's model is (<c>Llm__Endpoint</c>, <c>Llm__Deployment</c>, <c>Llm__ApiKey</c>): an Azure OpenAI
/// resource and the deployment this agent uses. Each agent is its own service, so each can name its own deployment.
/// The key is read from configuration (an environment variable or a secret store), never logged, never sent to the
/// model and never put on a span.
/// </summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    /// <summary>The Azure OpenAI resource, e.g. <c>https://my-resource.openai.azure.com/</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The deployment (model) name, part of the request path.</summary>
    public string? Deployment { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>How long one request may take before it counts as failed (and is retried).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a throttled (429, after its <c>Retry-After</c>) or failed (5xx, timeout) request, with back-off.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    public bool IsConfigured => Endpoint is not null && !string.IsNullOrWhiteSpace(Deployment) && !string.IsNullOrWhiteSpace(ApiKey);
}
