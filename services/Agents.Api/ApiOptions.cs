using System.ComponentModel.DataAnnotations;
using MassTransit;

namespace Agents.Api;

public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>How long the API waits for the orchestrator to answer a read before it answers 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan OrchestratorTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><see cref="OrchestratorTimeout"/> as a request to the orchestrator takes it.</summary>
    public RequestTimeout OrchestratorWait => RequestTimeout.After(ms: (int)OrchestratorTimeout.TotalMilliseconds);

    /// <summary>
    /// The Jaeger UI the incidents' trace links point at (<c>Api__JaegerUrl</c>); <c>GET /incidents/{id}</c> answers
    /// <c>{JaegerUrl}/trace/{traceId}</c>.
    /// </summary>
    [Required]
    public Uri JaegerUrl { get; set; } = new("http://localhost:16686");

    /// <summary>Requests per second each identity (an API key, an OIDC user; an address for anonymous callers) may make on average.</summary>
    [Range(1, 100_000)]
    public int RateLimitPerSecond { get; set; } = 20;

    /// <summary>Requests an identity may make at once above its rate before it is answered 429.</summary>
    [Range(1, 100_000)]
    public int RateLimitBurst { get; set; } = 100;

    /// <summary>
    /// Requests per second from one address without a credential (every one is refused 401 and audited): tight, so
    /// that nobody can fill the audit trail; health and metrics are not limited.
    /// </summary>
    [Range(1, 100_000)]
    public int AnonymousRateLimitPerSecond { get; set; } = 1;

    /// <summary>Requests without a credential one address may make at once.</summary>
    [Range(1, 100_000)]
    public int AnonymousRateLimitBurst { get; set; } = 10;

    /// <summary>The link to <paramref name="traceId"/> in Jaeger, or null when the incident has no trace.</summary>
    public string? TraceUrl(string? traceId) =>
        string.IsNullOrEmpty(traceId) ? null : $"{JaegerUrl.AbsoluteUri.TrimEnd('/')}/trace/{traceId}";
}
