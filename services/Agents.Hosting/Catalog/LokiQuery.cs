namespace Agents.Hosting.Catalog;

/// <summary>The Loki stream selector of the service's logs (e.g. <c>{namespace="shop", app="checkout"}</c>) and the line filter that keeps errors.</summary>
public sealed record LokiQuery
{
    public required string Selector { get; init; }

    /// <summary>A LogQL line filter appended to the selector; default <c>|~ "(?i)(error|exception|fatal|panic)"</c>.</summary>
    public string Filter { get; init; } = "|~ \"(?i)(error|exception|fatal|panic)\"";
}
