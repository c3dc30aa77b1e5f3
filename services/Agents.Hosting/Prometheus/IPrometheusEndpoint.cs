namespace Agents.Hosting.Prometheus;

/// <summary>Where a Prometheus server answers and how to authenticate to it (a bearer token, or basic auth; never logged).</summary>
public interface IPrometheusEndpoint
{
    /// <summary>The configuration section the settings come from (<c>Context:Sources:Prometheus</c>), for messages.</summary>
    string SettingName { get; }

    Uri? Url { get; }

    string? BearerToken { get; }

    string? Username { get; }

    string? Password { get; }

    /// <summary>How long Prometheus may spend on one query (sent as its <c>timeout</c> parameter).</summary>
    TimeSpan Timeout { get; }
}
