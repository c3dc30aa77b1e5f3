using System.ComponentModel.DataAnnotations;

namespace Agents.Hosting.Kubernetes;

/// <summary>
/// How a service reaches a Kubernetes API server: the pod's own ServiceAccount (<see cref="InCluster"/>), or
/// <see cref="Url"/> with a static <see cref="Token"/> or a <see cref="TokenFile"/> and the CA certificates of
/// <see cref="CaFile"/>. The context source and the remediation executor describe their connection this way and
/// connect through <see cref="KubernetesClientSetup"/>.
/// </summary>
public interface IKubernetesConnection
{
    /// <summary>The API server's address; ignored when <see cref="InCluster"/>.</summary>
    Uri? Url { get; }

    /// <summary>A bearer token for the API server; never logged.</summary>
    string? Token { get; }

    /// <summary>A file holding the bearer token (e.g. a projected ServiceAccount token); read again when it changes.</summary>
    string? TokenFile { get; }

    /// <summary>A PEM file with the certificate(s) of the cluster's CA.</summary>
    string? CaFile { get; }

    /// <summary>Accept any server certificate. For test clusters only; logged as a warning.</summary>
    bool SkipTlsVerify { get; }

    /// <summary>Use the pod's own ServiceAccount; the other settings are then ignored.</summary>
    bool InCluster { get; }
}

/// <summary>The checks every <see cref="IKubernetesConnection"/> passes at start-up.</summary>
public static class KubernetesConnectionChecks
{
    /// <summary>What is wrong with <paramref name="connection"/>: a non-http(s) address, both tokens, both CA and no TLS check.</summary>
    public static IEnumerable<ValidationResult> Validate(IKubernetesConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.InCluster)
        {
            yield break;
        }

        if (connection.Url is { } url && url.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult($"Url must be an http or https address, not '{url.Scheme}:'", [nameof(IKubernetesConnection.Url)]);
        }

        if (!string.IsNullOrEmpty(connection.Token) && !string.IsNullOrEmpty(connection.TokenFile))
        {
            yield return new ValidationResult("set Token or TokenFile, not both", [nameof(IKubernetesConnection.Token), nameof(IKubernetesConnection.TokenFile)]);
        }

        if (connection.SkipTlsVerify && !string.IsNullOrEmpty(connection.CaFile))
        {
            yield return new ValidationResult("set CaFile or SkipTlsVerify, not both", [nameof(IKubernetesConnection.CaFile), nameof(IKubernetesConnection.SkipTlsVerify)]);
        }
    }
}
