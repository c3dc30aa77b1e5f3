using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Agents.Ingress;

/// <summary>
/// The webhook ingress (<c>Ingress__*</c>): the sources allowed to send alerts, each with its own credentials, and how
/// long a publish may wait for the broker's confirm.
/// </summary>
public sealed partial class IngressOptions : IValidatableObject
{
    public const string SectionName = "Ingress";

    /// <summary>The kinds of source, one webhook path each (<c>POST /webhooks/&lt;kind&gt;</c>).</summary>
    public static readonly IReadOnlyList<string> Kinds = [WebhookKinds.Alertmanager, WebhookKinds.PagerDuty, WebhookKinds.Generic];

    /// <summary>Shortest secret or token accepted: a guessable one is refused at start-up.</summary>
    public const int MinSecretLength = 16;

    /// <summary><c>Ingress__Sources__&lt;name&gt;__Kind</c>, <c>__Token</c>, <c>__Secret</c>, ... (see <see cref="WebhookSource"/>).</summary>
    public Dictionary<string, WebhookSource> Sources { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a webhook waits for the broker to confirm its alert before it is answered 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> a 503 carries (the broker is down or slow).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How far a generic webhook's signed timestamp may be from now, either way (replay protection).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan SignatureWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Publishes to the broker that may wait for their confirms at once (each on a channel of its own).</summary>
    [Range(1, 256)]
    public int PublishChannels { get; set; } = 16;

    /// <summary>The sources of <paramref name="kind"/>, by name.</summary>
    public IEnumerable<KeyValuePair<string, WebhookSource>> SourcesOf(string kind) =>
        Sources.Where(s => s.Value.KindOr(s.Key) == kind);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Sources.Count == 0)
        {
            yield return new ValidationResult(
                "Ingress:Sources is empty: configure at least one source, e.g. Ingress__Sources__alertmanager__Token=<secret> (docs/ingress.md).");
        }

        foreach (var (name, source) in Sources)
        {
            foreach (var problem in source.Problems(name))
            {
                yield return new ValidationResult($"Ingress:Sources:{name}: {problem}");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")]
    internal static partial Regex SourceName();
}

/// <summary>The webhook kinds; each is also the path segment of its endpoint.</summary>
public static class WebhookKinds
{
    public const string Alertmanager = "alertmanager";
    public const string PagerDuty = "pagerduty";
    public const string Generic = "generic";
}

/// <summary>
/// One sender of webhooks. <see cref="Kind"/> says which endpoint it calls (by default the source's own name, when
/// that is a kind). Alertmanager (and Grafana) authenticate with <see cref="Token"/> (<c>Authorization: Bearer</c>) or
/// <see cref="Username"/>/<see cref="Password"/> (basic); PagerDuty signs with <see cref="Secret"/>; generic senders
/// sign with <see cref="Secret"/> or send <see cref="Token"/>. <see cref="PreviousSecret"/> is still accepted while a
/// secret is rotated. Values come from the environment or a Kubernetes Secret and are never logged.
/// </summary>
public sealed class WebhookSource
{
    public string? Kind { get; set; }

    public string? Token { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string? Secret { get; set; }

    public string? PreviousSecret { get; set; }

    /// <summary>Webhooks per second accepted from this source on average (token bucket), beyond which it gets 429.</summary>
    public double PermitsPerSecond { get; set; } = 50;

    /// <summary>Webhooks this source may send at once above its average (the bucket's size).</summary>
    public int Burst { get; set; } = 100;

    public string KindOr(string name) => (Kind ?? name).ToLowerInvariant();

    /// <summary>The secrets an HMAC signature may be made with: the current one, then the previous one while rotating.</summary>
    public IEnumerable<string> Secrets()
    {
        if (!string.IsNullOrEmpty(Secret))
        {
            yield return Secret;
        }

        if (!string.IsNullOrEmpty(PreviousSecret))
        {
            yield return PreviousSecret;
        }
    }

    internal IEnumerable<string> Problems(string name)
    {
        if (!IngressOptions.SourceName().IsMatch(name))
        {
            yield return "a source name holds 1 to 63 letters, digits, '-' or '_'";
        }

        var kind = KindOr(name);
        if (!IngressOptions.Kinds.Contains(kind))
        {
            yield return $"Kind '{Kind ?? name}' is not one of {string.Join(", ", IngressOptions.Kinds)}";
            yield break;
        }

        if (PermitsPerSecond is <= 0 or > 100_000 || Burst is < 1 or > 1_000_000)
        {
            yield return "PermitsPerSecond must be in (0, 100000] and Burst in [1, 1000000]";
        }

        foreach (var (setting, value) in new[] { ("Token", Token), ("Password", Password), ("Secret", Secret), ("PreviousSecret", PreviousSecret) })
        {
            if (value is not null && value.Length < IngressOptions.MinSecretLength)
            {
                yield return $"{setting} is shorter than {IngressOptions.MinSecretLength} characters";
            }
        }

        var basic = !string.IsNullOrEmpty(Username) || !string.IsNullOrEmpty(Password);
        if (basic && (string.IsNullOrEmpty(Username) || string.IsNullOrEmpty(Password) || Username.Contains(':', StringComparison.Ordinal)))
        {
            yield return "basic authentication needs both Username (without ':') and Password";
        }

        // A credential the kind never looks at would be a false sense of protection: say so rather than ignore it.
        if (kind == WebhookKinds.PagerDuty && (!string.IsNullOrEmpty(Token) || basic))
        {
            yield return "a pagerduty source is verified by its signature alone: set Secret, not Token, Username or Password";
        }

        if (kind == WebhookKinds.Alertmanager && (!string.IsNullOrEmpty(Secret) || !string.IsNullOrEmpty(PreviousSecret)))
        {
            yield return "an alertmanager source authenticates with Token or Username and Password, not Secret";
        }

        if (kind == WebhookKinds.Generic && basic)
        {
            yield return "a generic source takes Secret (signed) or Token (bearer), not Username and Password";
        }

        var credential = kind switch
        {
            WebhookKinds.Alertmanager => !string.IsNullOrEmpty(Token) || basic,
            WebhookKinds.PagerDuty => !string.IsNullOrEmpty(Secret),
            _ => !string.IsNullOrEmpty(Secret) || !string.IsNullOrEmpty(Token),
        };
        if (!credential)
        {
            yield return kind switch
            {
                WebhookKinds.Alertmanager => "an alertmanager source needs Token (bearer) or Username and Password (basic)",
                WebhookKinds.PagerDuty => "a pagerduty source needs Secret (the webhook subscription's signing secret)",
                _ => "a generic source needs Secret (signed requests) or Token (bearer)",
            };
        }
    }
}
