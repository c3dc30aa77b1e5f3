using Microsoft.Extensions.Logging;

namespace Agents.Context.Sources.Kubernetes;

/// <summary>The Kubernetes source's log lines. None carries a credential or a header value.</summary>
internal static partial class KubernetesSourceLog
{
    [LoggerMessage(LogLevel.Warning, "Kubernetes source: the API server's certificate is not checked (SkipTlsVerify) for {Host}; use CaFile outside test clusters")]
    public static partial void TlsNotVerified(ILogger logger, string host);

    [LoggerMessage(LogLevel.Information, "Kubernetes source: using the pod's service account (in-cluster) for {Host}")]
    public static partial void InCluster(ILogger logger, string host);
}
