using System.ComponentModel.DataAnnotations;
using Agents.Hosting.Kubernetes;

namespace Agents.Context.Sources.Kubernetes;

/// <summary>
/// Configuration section <c>Context:Sources:Kubernetes</c> (<c>Context__Sources__Kubernetes__Url</c> ...): how the
/// Kubernetes API server is reached. The source is on when <see cref="ContextSourceOptions.Url"/> is set or when
/// <see cref="InCluster"/> is true.
/// <para>
/// Credentials: <see cref="Token"/> (a bearer token, e.g. from a Secret through the environment) or
/// <see cref="TokenFile"/> (a file holding it, such as a projected ServiceAccount token, read again whenever it
/// changes). The connection is made by <see cref="KubernetesClientSetup"/> (shared with the remediation executor). The server's certificate is checked against <see cref="CaFile"/> when given, else against the system's
/// trusted roots; <see cref="SkipTlsVerify"/> turns the check off (logged as a warning).
/// </para>
/// </summary>
public sealed class KubernetesSourceOptions : ContextSourceOptions, IValidatableObject, IKubernetesConnection
{
    /// <summary>A bearer token for the API server; never logged.</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the bearer token (e.g. <c>/var/run/secrets/tokens/agents</c>); read again when it changes.</summary>
    public string? TokenFile { get; set; }

    /// <summary>A PEM file with the certificate(s) of the cluster's CA.</summary>
    public string? CaFile { get; set; }

    /// <summary>Accept any server certificate. For test clusters only; logged as a warning when the source starts.</summary>
    public bool SkipTlsVerify { get; set; }

    /// <summary>
    /// Use the pod's own ServiceAccount (<c>KUBERNETES_SERVICE_HOST</c>/<c>PORT</c>, the mounted token and CA); the
    /// other connection settings (<see cref="ContextSourceOptions.Url"/>, tokens, CA) are then ignored.
    /// </summary>
    public bool InCluster { get; set; }

    public override bool IsEnabled => Url is not null || InCluster;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => KubernetesConnectionChecks.Validate(this);
}
