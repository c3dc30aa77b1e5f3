namespace Agents.Contracts.Context;

/// <summary>A deployment of a service: as CI/CD pipelines report it on the <c>deploys</c> exchange, or as a source saw it (a Kubernetes rollout, a Datadog deploy event).</summary>
public sealed record DeployRecord
{
    public required string Service { get; init; }

    public required string Version { get; init; }

    public string? PreviousVersion { get; init; }

    public required DateTimeOffset DeployedAt { get; init; }

    public string? Environment { get; init; }

    public string? Author { get; init; }

    /// <summary>Where the record came from: <c>deploy-log</c> (the <c>deploys</c> exchange), <c>kubernetes</c>, <c>datadog</c>; null in records made before sources were named.</summary>
    public string? Source { get; init; }
}
