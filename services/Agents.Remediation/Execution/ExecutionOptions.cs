using System.ComponentModel.DataAnnotations;
using Agents.Hosting.Kubernetes;

namespace Agents.Remediation.Execution;

/// <summary>
/// Configuration section <c>Remediation:Kubernetes</c> (<c>Remediation__Kubernetes__InCluster=true</c> …): how the
/// Kubernetes executor reaches the API server (the same settings as the context source, see
/// <see cref="IKubernetesConnection"/>), which cluster it is, and how long one request may take.
/// </summary>
public sealed class RemediationKubernetesOptions : IKubernetesConnection, IValidatableObject
{
    public const string SectionName = "Remediation:Kubernetes";

    public Uri? Url { get; set; }

    public string? Token { get; set; }

    public string? TokenFile { get; set; }

    public string? CaFile { get; set; }

    public bool SkipTlsVerify { get; set; }

    public bool InCluster { get; set; }

    /// <summary>The cluster this service acts on; a catalog target naming another cluster is refused. Null: any.</summary>
    public string? Cluster { get; set; }

    /// <summary>How long one request to the API server may take. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a connection is configured.</summary>
    public bool IsConfigured => Url is not null || InCluster;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => KubernetesConnectionChecks.Validate(this);
}

/// <summary>
/// Configuration section <c>Remediation:Redis</c>: the cache the Redis executor invalidates.
/// <see cref="Configuration"/> is a StackExchange.Redis configuration string (<c>redis.internal:6379,password=…</c>);
/// it may hold a password and is never logged.
/// </summary>
public sealed class RemediationRedisOptions
{
    public const string SectionName = "Remediation:Redis";

    public string? Configuration { get; set; }

    /// <summary>The most keys one step removes; it stops there and says so. Default 100000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxKeys { get; set; } = 100_000;

    /// <summary>How long connecting and each command may take. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Configuration section <c>Remediation:Http</c>: the HTTP executor's request timeout (default 30 s).</summary>
public sealed class RemediationHttpOptions
{
    public const string SectionName = "Remediation:Http";

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
