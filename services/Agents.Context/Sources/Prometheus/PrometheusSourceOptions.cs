using Agents.Hosting.Prometheus;
using System.ComponentModel.DataAnnotations;

namespace Agents.Context.Sources.Prometheus;

/// <summary>
/// Configuration section <c>Context:Sources:Prometheus</c> (<c>Context__Sources__Prometheus__Url</c>, <c>__Timeout</c>,
/// <c>__BearerToken</c>, <c>__Username</c>, <c>__Password</c>, <c>__Step</c>). <see cref="ContextSourceOptions.Url"/> is the
/// server's base address (e.g. <c>http://prometheus:9090/</c>, or with the path prefix of a proxy in front of it).
/// Credentials are optional: a bearer token or basic auth, never both; they come from the environment or a Secret
/// and are never logged.
/// </summary>
public sealed class PrometheusSourceOptions : ContextSourceOptions, IValidatableObject, IPrometheusEndpoint
{
    string IPrometheusEndpoint.SettingName => "Context:Sources:Prometheus";

    /// <summary>The query resolution used when <see cref="Step"/> is not set: at most this many points per series over the window.</summary>
    public const int TargetPoints = 240;

    /// <summary>The finest resolution used when <see cref="Step"/> is not set (a common scrape interval).</summary>
    public static readonly TimeSpan MinimumStep = TimeSpan.FromSeconds(15);

    /// <summary>Prometheus refuses a range query that would answer more points per series than this.</summary>
    public const int MaxPointsPerSeries = 11_000;

    /// <summary>Sent as <c>Authorization: Bearer TOKEN</c> when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Basic auth user name (with <see cref="Password"/>) when set.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// The query resolution (<c>step</c> of <c>/api/v1/query_range</c>). Null (default): the window divided into
    /// <see cref="TargetPoints"/>, in whole seconds, never below <see cref="MinimumStep"/>. Either way never so fine that
    /// Prometheus would refuse the query (<see cref="MaxPointsPerSeries"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan? Step { get; set; }

    /// <summary>The step used for a query over <paramref name="window"/>.</summary>
    public TimeSpan StepFor(ContextWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var seconds = Math.Max(0, (window.End - window.Start).TotalSeconds);
        var step = Step ?? TimeSpan.FromSeconds(Math.Max(MinimumStep.TotalSeconds, Math.Ceiling(seconds / TargetPoints)));
        var finest = TimeSpan.FromSeconds(Math.Ceiling(seconds / MaxPointsPerSeries));
        return step < finest ? finest : step;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(BearerToken) && !string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult(
                "Context:Sources:Prometheus: set either BearerToken or Username/Password, not both.",
                [nameof(BearerToken), nameof(Username)]);
        }

        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult(
                "Context:Sources:Prometheus: Password is set without Username.",
                [nameof(Password), nameof(Username)]);
        }

        if (Url is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult(
                $"Context:Sources:Prometheus:Url must be an absolute http(s) address, not {(url.IsAbsoluteUri ? $"a '{url.Scheme}' one" : "a relative one")}.",
                [nameof(Url)]);
        }
    }
}
