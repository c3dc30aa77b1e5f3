using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Kubernetes;

/// <summary>
/// The one way the services connect to Kubernetes: the <see cref="KubernetesClientConfiguration"/> an
/// <see cref="IKubernetesConnection"/> describes. In the cluster, the pod's ServiceAccount; else the address with a
/// static token or a token file (<see cref="TokenFileProvider"/>) and the CA certificates of the CA file. The client's
/// own request timeout is <paramref name="clientTimeout"/> (callers cancel earlier where they have a deadline).
/// </summary>
public static class KubernetesClientSetup
{
    /// <summary>The client configuration; <paramref name="component"/> names the caller in the log lines (e.g. <c>Kubernetes source</c>).</summary>
    public static KubernetesClientConfiguration Configure(
        IKubernetesConnection connection, TimeSpan clientTimeout, TimeProvider time, ILogger logger, string component, string settingsPrefix)
    {
        ArgumentNullException.ThrowIfNull(connection);
        KubernetesClientConfiguration config;
        if (connection.InCluster)
        {
            config = KubernetesClientConfiguration.InClusterConfig();
            KubernetesClientLog.InCluster(logger, component, config.Host);
        }
        else
        {
            var url = connection.Url ?? throw new InvalidOperationException($"kubernetes: {settingsPrefix}:Url is not set");
            config = new KubernetesClientConfiguration { Host = url.GetLeftPart(UriPartial.Path).TrimEnd('/') };
            if (!string.IsNullOrEmpty(connection.TokenFile))
            {
                config.TokenProvider = new TokenFileProvider(connection.TokenFile, time);
            }
            else if (!string.IsNullOrEmpty(connection.Token))
            {
                config.AccessToken = connection.Token;
            }

            if (!string.IsNullOrEmpty(connection.CaFile))
            {
                config.SslCaCerts = LoadCertificates(connection.CaFile);
            }

            if (connection.SkipTlsVerify)
            {
                config.SkipTlsVerify = true;
                KubernetesClientLog.TlsNotVerified(logger, component, url.Authority);
            }
        }

        config.HttpClientTimeout = clientTimeout;
        return config;
    }

    private static X509Certificate2Collection LoadCertificates(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"kubernetes: cannot read the CA file '{path}': {e.Message}", e);
        }

        return certificates.Count > 0
            ? certificates
            : throw new InvalidOperationException($"kubernetes: the CA file '{path}' holds no PEM certificate");
    }
}
