using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging;

namespace Agents.Context.Sources.Kubernetes;

/// <summary>
/// The <see cref="KubernetesClientConfiguration"/> the options describe: the pod's service account when
/// <see cref="KubernetesSourceOptions.InCluster"/>, else <see cref="ContextSourceOptions.Url"/> with a static token or a
/// token file and the CA certificates of <see cref="KubernetesSourceOptions.CaFile"/>. The client's own request
/// timeout is only a backstop (the source's timeout plus 30 s): the collector cancels the source at its timeout.
/// </summary>
internal static class KubernetesClientSetup
{
    public static KubernetesClientConfiguration Configure(KubernetesSourceOptions options, TimeProvider time, ILogger logger)
    {
        KubernetesClientConfiguration config;
        if (options.InCluster)
        {
            config = KubernetesClientConfiguration.InClusterConfig();
            KubernetesSourceLog.InCluster(logger, config.Host);
        }
        else
        {
            var url = options.Url ?? throw new InvalidOperationException("kubernetes: Context:Sources:Kubernetes:Url is not set");
            config = new KubernetesClientConfiguration { Host = url.GetLeftPart(UriPartial.Path).TrimEnd('/') };
            if (!string.IsNullOrEmpty(options.TokenFile))
            {
                config.TokenProvider = new TokenFileProvider(options.TokenFile, time);
            }
            else if (!string.IsNullOrEmpty(options.Token))
            {
                config.AccessToken = options.Token;
            }

            if (!string.IsNullOrEmpty(options.CaFile))
            {
                config.SslCaCerts = LoadCertificates(options.CaFile);
            }

            if (options.SkipTlsVerify)
            {
                config.SkipTlsVerify = true;
                KubernetesSourceLog.TlsNotVerified(logger, url.Authority);
            }
        }

        config.HttpClientTimeout = options.Timeout + TimeSpan.FromSeconds(30);
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
