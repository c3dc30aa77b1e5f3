using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Kubernetes;

/// <summary>The Kubernetes client setup's log lines. None carries a credential or a header value.</summary>
internal static partial class KubernetesClientLog
{
    [LoggerMessage(LogLevel.Warning, "{Component}: the API server's certificate is not checked (SkipTlsVerify) for {Host}; use CaFile outside test clusters")]
    public static partial void TlsNotVerified(ILogger logger, string component, string host);

    [LoggerMessage(LogLevel.Information, "{Component}: using the pod's service account (in-cluster) for {Host}")]
    public static partial void InCluster(ILogger logger, string component, string host);
}
