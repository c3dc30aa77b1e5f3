using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Catalog;

internal static partial class CatalogLog
{
    [LoggerMessage(LogLevel.Information, "Service catalog {Path}: {Services} services, default entry {DefaultOrigin}")]
    public static partial void Loaded(ILogger logger, string path, int services, string defaultOrigin);

    [LoggerMessage(LogLevel.Warning, "Service catalog {Path} does not exist: using the built-in default entry (OpenTelemetry conventions) for every service; set Catalog__Path to a catalog file")]
    public static partial void BuiltInDefault(ILogger logger, string path);
}
