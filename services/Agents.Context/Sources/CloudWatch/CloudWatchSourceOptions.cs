using System.ComponentModel.DataAnnotations;
using Amazon.Runtime;

namespace Agents.Context.Sources.CloudWatch;

/// <summary>
/// Configuration section <c>Context:Sources:CloudWatch</c> (<c>Context__Sources__CloudWatch__Url</c> ...): the CloudWatch
/// endpoint that <c>GetMetricData</c> is posted to and the AWS credentials that sign it (SigV4, service <c>monitoring</c>).
/// Credentials and region left empty here are taken from the standard AWS variables (<c>AWS_ACCESS_KEY_ID</c>,
/// <c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_SESSION_TOKEN</c>, <c>AWS_REGION</c>), e.g. from a Kubernetes Secret.
/// </summary>
public sealed class CloudWatchSourceOptions : ContextSourceOptions
{
    /// <summary>
    /// The region signed for when the catalog entry names none, e.g. <c>eu-west-1</c>; null: <c>AWS_REGION</c>
    /// (then <c>AWS_DEFAULT_REGION</c>), else the region in an endpoint of the form <c>monitoring.REGION.amazonaws.com</c>.
    /// </summary>
    public string? Region { get; set; }

    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    /// <summary>The session token of temporary credentials (sent as <c>X-Amz-Security-Token</c>); null for long-term keys.</summary>
    public string? SessionToken { get; set; }

    /// <summary>The period of each data point asked for, at least; longer windows get a longer period (at most 1440 points a series). Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many pages (<c>NextToken</c>) of one <c>GetMetricData</c> answer are read at most. Default 5.</summary>
    [Range(1, 50)]
    public int MaxPages { get; set; } = 5;

    /// <summary>
    /// The credentials to sign with: the key pair (and session token) configured here, else the one in the AWS variables
    /// read through <paramref name="environment"/>; null when neither has both an access key id and a secret.
    /// </summary>
    public AWSCredentials? ResolveCredentials(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var (keyId, secret, token) = !string.IsNullOrWhiteSpace(AccessKeyId) || !string.IsNullOrWhiteSpace(SecretAccessKey)
            ? (AccessKeyId, SecretAccessKey, SessionToken)
            : (environment("AWS_ACCESS_KEY_ID"), environment("AWS_SECRET_ACCESS_KEY"), Blank(SessionToken) ?? environment("AWS_SESSION_TOKEN"));
        if (string.IsNullOrWhiteSpace(keyId) || string.IsNullOrWhiteSpace(secret))
        {
            return null;
        }

        return Blank(token) is { } session
            ? new SessionAWSCredentials(keyId, secret, session)
            : new BasicAWSCredentials(keyId, secret);
    }

    /// <summary>The region to sign for: the catalog entry's, else <see cref="Region"/>, else the AWS variables, else the endpoint's; null when none says.</summary>
    public string? ResolveRegion(string? entryRegion, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Blank(entryRegion)
            ?? Blank(Region)
            ?? Blank(environment("AWS_REGION"))
            ?? Blank(environment("AWS_DEFAULT_REGION"))
            ?? RegionOfEndpoint(Url);
    }

    /// <summary><c>eu-west-1</c> for <c>https://monitoring.eu-west-1.amazonaws.com</c>; null for any other host.</summary>
    public static string? RegionOfEndpoint(Uri? url)
    {
        var labels = url?.Host.Split('.');
        return labels is { Length: >= 4 } && labels[0] == "monitoring" && labels[2] == "amazonaws" ? labels[1] : null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
