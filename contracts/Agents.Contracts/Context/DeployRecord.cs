namespace Agents.Contracts.Context;

/// <summary>A deployment of a service, as CI/CD pipelines report it on the <c>deploys</c> exchange.</summary>
public sealed record DeployRecord
{
    public required string Service { get; init; }

    public required string Version { get; init; }

    public string? PreviousVersion { get; init; }

    public required DateTimeOffset DeployedAt { get; init; }

    public string? Environment { get; init; }

    public string? Author { get; init; }
}
